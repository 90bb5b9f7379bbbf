package io.llmforge.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "classify-train", mixinStandardHelpOptions = true,
    description = "Reference-quality vs web text -> quality classifier (MLlib PipelineModel) with held-out metrics.")
final class ClassifyTrainCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    return Flow.step("classify-train").runAlone(options);
  }
}
