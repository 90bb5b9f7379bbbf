package io.llmforge.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "clean", mixinStandardHelpOptions = true,
    description = "Crawl files (WARC/WET/ARC/HTML/JSONL) -> documents/ and rejects/ Parquet, with stats.json.")
final class CleanCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    return Flow.step("clean").runAlone(options);
  }
}
