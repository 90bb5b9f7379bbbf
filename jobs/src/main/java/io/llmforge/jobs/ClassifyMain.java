package io.llmforge.jobs;

/**
 * spark-submit entry point of the classify job:
 * {@code spark-submit --class io.llmforge.jobs.ClassifyMain llmforge-jobs.jar --conf my.conf}.
 */
public final class ClassifyMain {
  private ClassifyMain() {}

  public static void main(String[] args) {
    String[] withJob = new String[args.length + 1];
    withJob[0] = "classify";
    System.arraycopy(args, 0, withJob, 1, args.length);
    int code = Llmforge.run(withJob);
    if (code != 0) {
      System.exit(code);
    }
  }
}
