package io.llmforge.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code llmforge pref-prepare}: the pref-prepare Spark job (trainer {@code PreferencePrepareJob}). */
@Command(name = "pref-prepare", mixinStandardHelpOptions = true,
    description = "Preference pairs (HH-RLHF, LLaMA-Factory ranking / KTO, generic JSONL / Parquet) -> chat-template "
        + "token rows (train/val by prompt hash, unpaired KTO rows), rejects with reasons, manifest.json.")
final class PrefPrepareCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    return Flow.step("pref-prepare").runAlone(options);
  }
}
