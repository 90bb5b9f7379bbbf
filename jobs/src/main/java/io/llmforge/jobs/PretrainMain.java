package io.llmforge.jobs;

import org.apache.spark.sql.SparkSession;
import scala.Option;

/**
 * spark-submit entry point of the pretrain job, data-parallel over the cluster's executors:
 * {@code spark-submit --class io.llmforge.jobs.PretrainMain llmforge-jobs.jar --conf my.conf
 * --set pretrain.distributed.workers=4}.
 */
public final class PretrainMain {
  private PretrainMain() {}

  public static void main(String[] args) {
    int code = Llmforge.runJob("pretrain", args);
    // Spark 3.5's BarrierTaskContext starts a non-daemon java.util.Timer thread wherever a barrier task runs; with a
    // local master that is this JVM, which then never ends after main returns (seen with --master local[2]). Stop
    // Spark and exit explicitly, whatever the code.
    Option<SparkSession> session = SparkSession.getDefaultSession();
    if (session.isDefined()) {
      session.get().stop();
    }
    System.exit(code);
  }
}
