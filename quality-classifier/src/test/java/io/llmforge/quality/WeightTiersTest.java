package io.llmforge.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class WeightTiersTest {
  static final WeightTiers DEFAULT = WeightTierSamples.DEFAULT;

  @Test
  void weightsAreMonotoneInScoreAndNeverAboveFour() {
    double[] cutoffs = {0.9, 0.7};
    double previous = Double.MAX_VALUE;
    for (int i = 1000; i >= 0; i--) {
      double w = DEFAULT.weight(i / 1000.0, cutoffs);
      assertTrue(w <= WeightTiers.MAX_REPEATS && w >= 1, "weight " + w);
      assertTrue(w <= previous, "not monotone at score " + i / 1000.0);
      previous = w;
    }
    assertEquals(4, DEFAULT.weight(0.95, cutoffs));
    assertEquals(4, DEFAULT.weight(0.9, cutoffs), "a cut-off belongs to the better tier");
    assertEquals(2, DEFAULT.weight(0.8, cutoffs));
    assertEquals(1, DEFAULT.weight(0.1, cutoffs));
  }

  @Test
  void rejectsTiersThatWouldBreakTheCapOrTheOrder() {
    assertThrows(IllegalArgumentException.class, () -> new WeightTiers(List.of(new WeightTiers.Tier(0.1, 5)), 1),
        "more than 4 repeats");
    assertThrows(IllegalArgumentException.class,
        () -> new WeightTiers(List.of(new WeightTiers.Tier(0.1, 2), new WeightTiers.Tier(0.3, 3)), 1),
        "a worse tier may not repeat more");
    assertThrows(IllegalArgumentException.class,
        () -> new WeightTiers(List.of(new WeightTiers.Tier(0.3, 4), new WeightTiers.Tier(0.2, 2)), 1),
        "tops must increase");
    assertThrows(IllegalArgumentException.class, () -> new WeightTiers(List.of(new WeightTiers.Tier(0.1, 2)), 3),
        "the rest may not repeat more than the last tier");
    assertThrows(IllegalArgumentException.class, () -> new WeightTiers(List.of(), 0.5), "below one repeat");
  }

  @Test
  void theSparkColumnAgreesWithThePlainRule() {
    SparkSession spark = TestSpark.session();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i <= 100; i++) {
      rows.add(org.apache.spark.sql.RowFactory.create(i / 100.0));
    }
    Dataset<Row> scores = spark.createDataFrame(rows,
        new StructType().add(QualityModel.QUALITY_SCORE, DataTypes.DoubleType, false));
    double[] cutoffs = {0.9, 0.7};
    List<Row> weighted = scores.withColumn("w", DEFAULT.column(QualityModel.QUALITY_SCORE, cutoffs)).collectAsList();
    for (Row r : weighted) {
      assertEquals(DEFAULT.weight(r.getDouble(0), cutoffs), r.getDouble(1), "score " + r.getDouble(0));
    }
  }
}
