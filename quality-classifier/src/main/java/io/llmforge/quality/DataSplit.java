package io.llmforge.quality;

import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import org.apache.spark.sql.Column;

/**
 * The deterministic train / validation / test split: a hash of each example's split key (its document id, or
 * the article a chunk was cut from) picks its side, so re-running on the same data gives the same split, and
 * examples that share a key are never on both sides.
 */
public final class DataSplit {
  public static final String TRAIN = "train";
  public static final String VALIDATION = "validation";
  public static final String TEST = "test";

  private static final long BUCKETS = 1_000_000;

  private DataSplit() {}

  /**
   * @param testFraction       share of keys held out for the reported metrics
   * @param validationFraction share of keys used to choose among model variants
   * @param salt               changes the split without changing the data
   */
  public static Column assign(Column splitKey, double testFraction, double validationFraction, String salt) {
    Column u = pmod(xxhash64(concat(lit(salt + "\u0000"), splitKey)), lit(BUCKETS)).divide((double) BUCKETS);
    return when(u.lt(testFraction), TEST)
        .when(u.lt(testFraction + validationFraction), VALIDATION)
        .otherwise(TRAIN);
  }
}
