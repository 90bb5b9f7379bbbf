package io.llmforge.jobs;

/**
 * spark-submit entry point of the clean job:
 * {@code spark-submit --class io.llmforge.jobs.CleanMain llmforge-jobs.jar --conf my.conf}.
 */
public final class CleanMain {
  private CleanMain() {}

  public static void main(String[] args) {
    int code = Llmforge.runJob("clean", args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
