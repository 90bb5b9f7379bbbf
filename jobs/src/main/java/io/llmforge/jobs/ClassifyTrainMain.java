package io.llmforge.jobs;

/**
 * spark-submit entry point of the classify-train job:
 * {@code spark-submit --class io.llmforge.jobs.ClassifyTrainMain llmforge-jobs.jar --conf my.conf}.
 */
public final class ClassifyTrainMain {
  private ClassifyTrainMain() {}

  public static void main(String[] args) {
    int code = Llmforge.runJob("classify-train", args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
