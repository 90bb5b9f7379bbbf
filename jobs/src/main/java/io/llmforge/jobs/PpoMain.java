package io.llmforge.jobs;

/**
 * spark-submit entry point of the ppo job:
 * {@code spark-submit --class io.llmforge.jobs.PpoMain llmforge-jobs.jar --conf my.conf}.
 */
public final class PpoMain {
  private PpoMain() {}

  public static void main(String[] args) {
    Llmforge.trainingMain("ppo", args);
  }
}
