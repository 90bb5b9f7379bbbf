package io.llmforge.pipeline.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The one place a SparkSession is made. Under {@code spark-submit} the master and resources come from
 * spark-submit; from the {@code llmforge} command line (or tests) there is no master yet and the given
 * default, normally {@code local[*]}, is used.
 */
public final class SparkSessions {
  private SparkSessions() {}

  public static SparkSession getOrCreate(String appName, String defaultMaster, int shufflePartitions) {
    SparkConf conf = new SparkConf(true);
    if (!conf.contains("spark.master")) {
      conf.setMaster(defaultMaster);
    }
    conf.setIfMissing("spark.app.name", appName);
    conf.setIfMissing("spark.sql.shuffle.partitions", Integer.toString(shufflePartitions));
    conf.setIfMissing("spark.sql.parquet.compression.codec", "zstd");
    conf.setIfMissing("spark.sql.adaptive.enabled", "true");
    conf.setIfMissing("spark.sql.adaptive.skewJoin.enabled", "true");
    // Java serialization, not Kryo: our records (Java records) are Serializable, and Kryo 4 cannot build them.
    // Data moves as DataFrames, whose rows never go through either serializer.
    if (conf.get("spark.master").startsWith("local")) {
      conf.setIfMissing("spark.ui.enabled", "false");
      conf.setIfMissing("spark.driver.host", "127.0.0.1");
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
    }
    return SparkSession.builder().config(conf).getOrCreate();
  }
}
