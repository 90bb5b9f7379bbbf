package io.llmforge.jobs;

/**
 * spark-submit entry point of the rm-train job:
 * {@code spark-submit --class io.llmforge.jobs.RmTrainMain llmforge-jobs.jar --conf my.conf}.
 */
public final class RmTrainMain {
  private RmTrainMain() {}

  public static void main(String[] args) {
    Llmforge.trainingMain("rm-train", args);
  }
}
