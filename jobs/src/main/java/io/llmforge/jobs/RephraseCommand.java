package io.llmforge.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code llmforge rephrase}: the rephrase job (pipeline {@code RephraseJob}). */
@Command(name = "rephrase", mixinStandardHelpOptions = true,
    description = "Documents -> documents plus LLM rewrites (encyclopedic, Q&A, ...) of a fraction of them, through "
        + "an OpenAI-compatible endpoint; cached and resumable.")
final class RephraseCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    return Flow.step("rephrase").runAlone(options);
  }
}
