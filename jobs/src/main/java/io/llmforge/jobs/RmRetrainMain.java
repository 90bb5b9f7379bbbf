package io.llmforge.jobs;

/**
 * spark-submit entry point of the rm-retrain job:
 * {@code spark-submit --class io.llmforge.jobs.RmRetrainMain llmforge-jobs.jar --conf my.conf}.
 */
public final class RmRetrainMain {
  private RmRetrainMain() {}

  public static void main(String[] args) {
    Llmforge.trainingMain("rm-retrain", args);
  }
}
