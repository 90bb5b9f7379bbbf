package io.llmforge.jobs;

/**
 * spark-submit entry point of the sft job, data-parallel over the cluster's executors:
 * {@code spark-submit --class io.llmforge.jobs.SftMain llmforge-jobs.jar --conf my.conf
 * --set sft.distributed.workers=4}.
 */
public final class SftMain {
  private SftMain() {}

  public static void main(String[] args) {
    Llmforge.trainingMain("sft", args);
  }
}
