package io.llmforge.jobs;

import org.apache.spark.sql.SparkSession;
import scala.Option;

/**
 * spark-submit entry point of the sft job, data-parallel over the cluster's executors:
 * {@code spark-submit --class io.llmforge.jobs.SftMain llmforge-jobs.jar --conf my.conf
 * --set sft.distributed.workers=4}.
 */
public final class SftMain {
  private SftMain() {}

  public static void main(String[] args) {
    int code = Llmforge.runJob("sft", args);
    // as PretrainMain: a barrier stage leaves a non-daemon timer thread behind on a local master
    Option<SparkSession> session = SparkSession.getDefaultSession();
    if (session.isDefined()) {
      session.get().stop();
    }
    System.exit(code);
  }
}
