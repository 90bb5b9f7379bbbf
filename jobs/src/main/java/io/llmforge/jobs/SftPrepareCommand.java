package io.llmforge.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code llmforge sft-prepare}: the sft-prepare Spark job (trainer {@code SftPrepareJob}). */
@Command(name = "sft-prepare", mixinStandardHelpOptions = true,
    description = "Conversations (messages / Alpaca / ShareGPT; JSON, JSONL, Parquet) -> chat-template token rows "
        + "with a loss mask (train/val), rejects with reasons, manifest.json.")
final class SftPrepareCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    return Flow.step("sft-prepare").runAlone(options);
  }
}
