package io.llmforge.jobs;

import org.apache.spark.sql.SparkSession;
import scala.Option;

/**
 * spark-submit entry point of the rm-train job:
 * {@code spark-submit --class io.llmforge.jobs.RmTrainMain llmforge-jobs.jar --conf my.conf}.
 */
public final class RmTrainMain {
  private RmTrainMain() {}

  public static void main(String[] args) {
    int code = Llmforge.runJob("rm-train", args);
    // as PretrainMain: a barrier stage leaves a non-daemon timer thread behind on a local master
    Option<SparkSession> session = SparkSession.getDefaultSession();
    if (session.isDefined()) {
      session.get().stop();
    }
    System.exit(code);
  }
}
