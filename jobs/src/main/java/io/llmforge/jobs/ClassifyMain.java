package io.llmforge.jobs;

/**
 * spark-submit entry point of the classify job:
 * {@code spark-submit --class io.llmforge.jobs.ClassifyMain llmforge-jobs.jar --conf my.conf}.
 */
public final class ClassifyMain {
  private ClassifyMain() {}

  public static void main(String[] args) {
    int code = Llmforge.runJob("classify", args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
