package io.llmforge.jobs;

/**
 * spark-submit entry point of the sft-prepare job:
 * {@code spark-submit --class io.llmforge.jobs.SftPrepareMain llmforge-jobs.jar --conf my.conf}.
 */
public final class SftPrepareMain {
  private SftPrepareMain() {}

  public static void main(String[] args) {
    int code = Llmforge.runJob("sft-prepare", args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
