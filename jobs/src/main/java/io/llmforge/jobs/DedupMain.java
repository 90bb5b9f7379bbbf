package io.llmforge.jobs;

/**
 * spark-submit entry point of the dedup job:
 * {@code spark-submit --class io.llmforge.jobs.DedupMain llmforge-jobs.jar --conf my.conf}.
 */
public final class DedupMain {
  private DedupMain() {}

  public static void main(String[] args) {
    int code = Llmforge.runJob("dedup", args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
