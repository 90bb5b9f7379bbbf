package io.llmforge.jobs;

import org.apache.spark.sql.SparkSession;
import scala.Option;

/**
 * spark-submit entry point of the dpo job:
 * {@code spark-submit --class io.llmforge.jobs.DpoMain llmforge-jobs.jar --conf my.conf}.
 */
public final class DpoMain {
  private DpoMain() {}

  public static void main(String[] args) {
    int code = Llmforge.runJob("dpo", args);
    // as PretrainMain: a barrier stage leaves a non-daemon timer thread behind on a local master
    Option<SparkSession> session = SparkSession.getDefaultSession();
    if (session.isDefined()) {
      session.get().stop();
    }
    System.exit(code);
  }
}
