package io.llmforge.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "classify", mixinStandardHelpOptions = true,
    description = "Documents -> scored/ (quality_score, sample_weight) and rejects/, by threshold or top fraction.")
final class ClassifyCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    return Flow.step("classify").runAlone(options);
  }
}
