package io.llmforge.jobs;

/**
 * spark-submit entry point of the dpo job:
 * {@code spark-submit --class io.llmforge.jobs.DpoMain llmforge-jobs.jar --conf my.conf}.
 */
public final class DpoMain {
  private DpoMain() {}

  public static void main(String[] args) {
    Llmforge.trainingMain("dpo", args);
  }
}
