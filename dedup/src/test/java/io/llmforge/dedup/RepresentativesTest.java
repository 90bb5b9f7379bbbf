package io.llmforge.dedup;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.min;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.llmforge.pipeline.spark.DocumentSchema;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class RepresentativesTest {
  private static final Instant T = Instant.parse("2024-01-01T00:00:00Z");

  @Test
  void eachPolicyPicksItsBestAndTiesGoToTheSmallestId() {
    List<Representatives.Candidate> cluster = List.of(
        new Representatives.Candidate("c", 500, T.plusSeconds(10), 0.2),
        new Representatives.Candidate("b", 900, T.plusSeconds(20), null),
        new Representatives.Candidate("a", 900, null, 0.9),
        new Representatives.Candidate("d", 100, T, 0.9));
    assertEquals("a", Representatives.choose(cluster, RepresentativePolicy.LONGEST).docId(), "900 chars, a < b");
    assertEquals("d", Representatives.choose(cluster, RepresentativePolicy.EARLIEST).docId());
    assertEquals("a", Representatives.choose(cluster, RepresentativePolicy.QUALITY).docId(), "0.9, then longer");
  }

  @Test
  void missingValuesRankLast() {
    List<Representatives.Candidate> cluster = List.of(
        new Representatives.Candidate("a", 10, null, null),
        new Representatives.Candidate("b", 10, T, Double.NaN),
        new Representatives.Candidate("c", 5, T.plusSeconds(1), -3.0));
    assertEquals("b", Representatives.choose(cluster, RepresentativePolicy.EARLIEST).docId());
    assertEquals("c", Representatives.choose(cluster, RepresentativePolicy.QUALITY).docId());
  }

  @Test
  void choiceDoesNotDependOnOrder() {
    SplittableRandom random = new SplittableRandom(9);
    List<Representatives.Candidate> cluster = randomCluster(random, 0, 30);
    for (RepresentativePolicy policy : RepresentativePolicy.values()) {
      String first = Representatives.choose(cluster, policy).docId();
      for (int k = 0; k < 20; k++) {
        List<Representatives.Candidate> shuffled = new ArrayList<>(cluster);
        Collections.shuffle(shuffled, new java.util.Random(k));
        assertEquals(first, Representatives.choose(shuffled, policy).docId(), policy.name());
      }
    }
  }

  /** The Spark ranking column picks the same member as the comparator, on any partitioning. */
  @Test
  void sparkRankAgreesWithComparator() {
    SplittableRandom random = new SplittableRandom(4);
    List<List<Representatives.Candidate>> clusters = new ArrayList<>();
    List<Row> rows = new ArrayList<>();
    for (int c = 0; c < 40; c++) {
      List<Representatives.Candidate> cluster = randomCluster(random, c, 2 + random.nextInt(8));
      clusters.add(cluster);
      for (Representatives.Candidate m : cluster) {
        rows.add(RowFactory.create((long) c, m.docId(), m.numChars(),
            m.crawlDate() == null ? null : Timestamp.from(m.crawlDate()), m.quality()));
      }
    }
    StructType schema = new StructType().add("component", DataTypes.LongType)
        .add(DocumentSchema.DOC_ID, DataTypes.StringType).add(DocumentSchema.NUM_CHARS, DataTypes.IntegerType)
        .add(DocumentSchema.CRAWL_DATE, DataTypes.TimestampType).add(Representatives.QUALITY, DataTypes.DoubleType);
    Dataset<Row> members = TestSpark.session().createDataFrame(rows, schema).repartition(3);
    for (RepresentativePolicy policy : RepresentativePolicy.values()) {
      List<Row> best = members.groupBy(col("component")).agg(min(Representatives.rank(policy)).as("best"))
          .select(col("component"), col("best.doc_id")).orderBy("component").collectAsList();
      for (Row r : best) {
        String expected = Representatives.choose(clusters.get((int) r.getLong(0)), policy).docId();
        assertEquals(expected, r.getString(1), policy + " cluster " + r.getLong(0));
      }
    }
  }

  private static List<Representatives.Candidate> randomCluster(SplittableRandom random, int c, int size) {
    List<Representatives.Candidate> cluster = new ArrayList<>();
    for (int m = 0; m < size; m++) {
      Instant date = random.nextInt(5) == 0 ? null : T.plusSeconds(random.nextInt(4));
      Double quality = random.nextInt(5) == 0 ? null : (double) random.nextInt(3);
      cluster.add(new Representatives.Candidate("doc-" + c + "-" + m, 100 * random.nextInt(1, 4), date, quality));
    }
    return cluster;
  }
}
