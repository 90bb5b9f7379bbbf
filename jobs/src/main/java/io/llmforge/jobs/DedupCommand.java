package io.llmforge.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "dedup", mixinStandardHelpOptions = true,
    description = "documents/ Parquet -> near-duplicate clusters (MinHash LSH): deduped/, clusters/, stats.json.")
final class DedupCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    return Flow.step("dedup").runAlone(options);
  }
}
