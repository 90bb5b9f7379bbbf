package io.llmforge.jobs;

/**
 * spark-submit entry point of the kto job:
 * {@code spark-submit --class io.llmforge.jobs.KtoMain llmforge-jobs.jar --conf my.conf}.
 */
public final class KtoMain {
  private KtoMain() {}

  public static void main(String[] args) {
    Llmforge.trainingMain("kto", args);
  }
}
