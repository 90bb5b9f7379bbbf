package io.llmforge.quality;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.spark.DocumentSchema;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class QualitySelectionTest {
  static Dataset<Row> scored;

  @BeforeAll
  static void scores() {
    SparkSession spark = TestSpark.session();
    // 1000 distinct scores 0.001 .. 1.000, shuffled over partitions.
    scored = spark.range(1, 1001)
        .selectExpr("cast(id as string) as doc_id", "cast(id as double) / 1000 as quality_score")
        .repartition(3).cache();
  }

  @Test
  void thresholdKeepsEveryScoreAtOrAboveIt() {
    QualitySelection.Selection s = QualitySelection.apply(scored, 1000, KeepMode.THRESHOLD, 0.5, 0.0,
        WeightTiers.none(), 0.0);
    assertEquals(501, s.kept().count());
    assertEquals(499, s.rejected().count());
    assertEquals(0.5, s.cutoff());
  }

  @Test
  void topFractionKeepsThatShareOfTheDocuments() {
    for (double f : new double[] {0.01, 0.3, 0.5, 0.999}) {
      QualitySelection.Selection s = QualitySelection.apply(scored, 1000, KeepMode.TOP_FRACTION, 0.0, f,
          WeightTiers.none(), 0.0);
      assertEquals(Math.round(f * 1000), s.kept().count(), "top fraction " + f);
      assertEquals(1000 - Math.round(f * 1000), s.rejected().count(), "top fraction " + f);
      double worstKept = s.kept().agg(org.apache.spark.sql.functions.min("quality_score")).first().getDouble(0);
      double bestRejected = s.rejected().agg(org.apache.spark.sql.functions.max("quality_score")).first().getDouble(0);
      assertTrue(worstKept > bestRejected, "the kept ones are the best ones");
    }
    assertEquals(1000, QualitySelection.apply(scored, 1000, KeepMode.TOP_FRACTION, 0.0, 1.0, WeightTiers.none(), 0.0)
        .kept().count());
  }

  @Test
  void approximateQuantilesStayWithinTheirError() {
    QualitySelection.Selection s = QualitySelection.apply(scored, 1000, KeepMode.TOP_FRACTION, 0.0, 0.3,
        WeightTiers.none(), 0.01);
    assertEquals(300, s.kept().count(), 1000 * 0.01 + 1);
  }

  @Test
  void keptDocumentsGetTierWeightsAndRejectsAReason() {
    QualitySelection.Selection s = QualitySelection.apply(scored, 1000, KeepMode.TOP_FRACTION, 0.0, 0.5,
        WeightTierSamples.DEFAULT, 0.0);
    List<Row> perWeight = s.kept().groupBy(QualityModel.SAMPLE_WEIGHT).count()
        .orderBy(col(QualityModel.SAMPLE_WEIGHT).desc()).collectAsList();
    // Of the 500 kept: best 10% (50) x4, next 20% (100) x2, the remaining 350 x1.
    assertEquals(List.of(4.0, 2.0, 1.0), perWeight.stream().map(r -> r.getDouble(0)).toList());
    assertEquals(List.of(50L, 100L, 350L), perWeight.stream().map(r -> r.getLong(1)).toList());
    Row reject = s.rejected().orderBy(col("quality_score").desc()).first();
    assertEquals(QualitySelection.STAGE, reject.getAs(DocumentSchema.REJECT_STAGE));
    assertEquals("quality_score 0.5000 < top-fraction cut-off 0.5010", reject.getAs(DocumentSchema.REJECT_REASON));
  }

  @Test
  void weightsNeverExceedFourAndFollowTheScore() {
    QualitySelection.Selection s = QualitySelection.apply(scored, 1000, KeepMode.THRESHOLD, 0.0, 0.0,
        WeightTierSamples.DEFAULT, 0.0);
    List<Row> rows = s.kept().orderBy(col("quality_score")).select("quality_score", "sample_weight").collectAsList();
    double previous = 0;
    for (Row r : rows) {
      double w = r.getDouble(1);
      assertTrue(w >= 1 && w <= 4, "weight " + w);
      assertTrue(w >= previous, "weight falls at score " + r.getDouble(0));
      previous = w;
    }
  }
}
