package io.llmforge.jobs;

/**
 * spark-submit entry point of the classify-train job:
 * {@code spark-submit --class io.llmforge.jobs.ClassifyTrainMain llmforge-jobs.jar --conf my.conf}.
 */
public final class ClassifyTrainMain {
  private ClassifyTrainMain() {}

  public static void main(String[] args) {
    String[] withJob = new String[args.length + 1];
    withJob[0] = "classify-train";
    System.arraycopy(args, 0, withJob, 1, args.length);
    int code = Llmforge.run(withJob);
    if (code != 0) {
      System.exit(code);
    }
  }
}
