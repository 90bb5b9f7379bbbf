package io.llmforge.jobs;

/**
 * spark-submit entry point of the grpo job:
 * {@code spark-submit --class io.llmforge.jobs.GrpoMain llmforge-jobs.jar --conf my.conf}.
 */
public final class GrpoMain {
  private GrpoMain() {}

  public static void main(String[] args) {
    Llmforge.trainingMain("grpo", args);
  }
}
