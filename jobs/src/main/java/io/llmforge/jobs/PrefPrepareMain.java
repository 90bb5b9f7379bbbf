package io.llmforge.jobs;

/**
 * spark-submit entry point of the pref-prepare job:
 * {@code spark-submit --class io.llmforge.jobs.PrefPrepareMain llmforge-jobs.jar --conf my.conf}.
 */
public final class PrefPrepareMain {
  private PrefPrepareMain() {}

  public static void main(String[] args) {
    int code = Llmforge.runJob("pref-prepare", args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
