package io.llmforge.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code llmforge tokenize}: the tokenize job (pipeline {@code TokenizeJob}). */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
    description = "Documents + tokenizer.json -> packed, shuffled token shards (train/val) with manifest.json.")
final class TokenizeCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    return Flow.step("tokenize").runAlone(options);
  }
}
