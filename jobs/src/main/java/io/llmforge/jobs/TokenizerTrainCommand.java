package io.llmforge.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code llmforge tokenizer-train}: the tokenizer-train job (pipeline {@code TokenizerTrainJob}). */
@Command(name = "tokenizer-train", mixinStandardHelpOptions = true,
    description = "Documents -> byte-level BPE tokenizer.json (pre-token counts in Spark, merges on the driver).")
final class TokenizerTrainCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    return Flow.step("tokenizer-train").runAlone(options);
  }
}
