package io.llmforge.quality;

import io.llmforge.pipeline.spark.SparkSessions;
import org.apache.spark.sql.SparkSession;

/** One small local Spark for all tests in a JVM: starting Spark costs seconds, so it is shared. */
final class TestSpark {
  private TestSpark() {}

  static synchronized SparkSession session() {
    return SparkSessions.getOrCreate("llmforge-quality-test", "local[2]", 4);
  }
}
