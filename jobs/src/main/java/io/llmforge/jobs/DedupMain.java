package io.llmforge.jobs;

/**
 * spark-submit entry point of the dedup job:
 * {@code spark-submit --class io.llmforge.jobs.DedupMain llmforge-jobs.jar --conf my.conf}.
 */
public final class DedupMain {
  private DedupMain() {}

  public static void main(String[] args) {
    String[] withJob = new String[args.length + 1];
    withJob[0] = "dedup";
    System.arraycopy(args, 0, withJob, 1, args.length);
    int code = Llmforge.run(withJob);
    if (code != 0) {
      System.exit(code);
    }
  }
}
