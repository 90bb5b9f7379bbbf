package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.spark.SparkProgress;
import io.llmforge.pipeline.spark.SparkSessions;
import org.apache.spark.sql.SparkSession;

/** Makes the job's Spark session from the shared {@code llmforge.spark} settings. */
final class Spark {
  private Spark() {}

  /** The session, with a progress line (and ETA) on stderr for every Spark job it runs. */
  static SparkSession session(ConfigReader config, String appName) {
    SparkSession spark = SparkSessions.getOrCreate(appName, config.string("llmforge.spark.master"),
        config.intIn("llmforge.spark.shuffle-partitions", 1, 1_000_000));
    SparkProgress.start(spark.sparkContext(), System.err);
    return spark;
  }
}
