package io.llmforge.jobs;

/**
 * spark-submit entry point of the best-of-n job:
 * {@code spark-submit --class io.llmforge.jobs.BestOfNMain llmforge-jobs.jar --conf my.conf}.
 */
public final class BestOfNMain {
  private BestOfNMain() {}

  public static void main(String[] args) {
    int code = Llmforge.runJob("best-of-n", args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
