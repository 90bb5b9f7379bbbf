package io.llmforge.dedup;

import io.llmforge.pipeline.spark.SparkSessions;
import org.apache.spark.sql.SparkSession;

/** One small local Spark for all tests in a JVM: starting Spark costs seconds, so it is shared. */
public final class TestSpark {
  private TestSpark() {}

  public static synchronized SparkSession session() {
    return SparkSessions.getOrCreate("llmforge-test", "local[2]", 4);
  }
}
