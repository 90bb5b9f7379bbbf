package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.spark.SparkSessions;
import org.apache.spark.sql.SparkSession;

/** Makes the job's Spark session from the shared {@code llmforge.spark} settings. */
final class Spark {
  private Spark() {}

  static SparkSession session(ConfigReader config, String appName) {
    return SparkSessions.getOrCreate(appName, config.string("llmforge.spark.master"),
        config.intIn("llmforge.spark.shuffle-partitions", 1, 1_000_000));
  }
}
