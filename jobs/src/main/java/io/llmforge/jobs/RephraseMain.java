package io.llmforge.jobs;

/**
 * spark-submit entry point of the rephrase job:
 * {@code spark-submit --class io.llmforge.jobs.RephraseMain llmforge-jobs.jar --conf my.conf}.
 */
public final class RephraseMain {
  private RephraseMain() {}

  public static void main(String[] args) {
    int code = Llmforge.runJob("rephrase", args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
