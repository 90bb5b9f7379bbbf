package io.llmforge.jobs;

/**
 * spark-submit entry point of the rm-score job:
 * {@code spark-submit --class io.llmforge.jobs.RmScoreMain llmforge-jobs.jar --conf my.conf}.
 */
public final class RmScoreMain {
  private RmScoreMain() {}

  public static void main(String[] args) {
    int code = Llmforge.runJob("rm-score", args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
