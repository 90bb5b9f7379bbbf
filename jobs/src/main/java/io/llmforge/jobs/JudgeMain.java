package io.llmforge.jobs;

/**
 * spark-submit entry point of the judge job:
 * {@code spark-submit --class io.llmforge.jobs.JudgeMain llmforge-jobs.jar --conf my.conf}.
 */
public final class JudgeMain {
  private JudgeMain() {}

  public static void main(String[] args) {
    int code = Llmforge.runJob("judge", args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
