package io.llmforge.jobs;

/**
 * spark-submit entry point of the pretrain job, data-parallel over the cluster's executors:
 * {@code spark-submit --class io.llmforge.jobs.PretrainMain llmforge-jobs.jar --conf my.conf
 * --set pretrain.distributed.workers=4}.
 */
public final class PretrainMain {
  private PretrainMain() {}

  public static void main(String[] args) {
    Llmforge.trainingMain("pretrain", args);
  }
}
