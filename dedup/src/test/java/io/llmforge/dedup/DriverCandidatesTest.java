package io.llmforge.dedup;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The driver's candidate pairs against the distributed {@link CandidatePairs#pairs}: the same set, same counts. */
class DriverCandidatesTest {
  @Test
  void radixSortIsAStableSignedSort() {
    SplittableRandom random = new SplittableRandom(8);
    long[] by = new long[5_000];
    long[] with = new long[by.length];
    for (int i = 0; i < by.length; i++) {
      by[i] = switch (random.nextInt(4)) {
        case 0 -> random.nextLong();
        case 1 -> random.nextLong(20) - 10; // many ties, around zero
        case 2 -> Long.MIN_VALUE + random.nextInt(3);
        default -> Long.MAX_VALUE - random.nextInt(3);
      };
      with[i] = i; // the original position: a stable sort keeps it ascending within ties
    }
    long[][] expected = new long[by.length][];
    for (int i = 0; i < by.length; i++) {
      expected[i] = new long[] {by[i], with[i]};
    }
    Arrays.sort(expected, Comparator.comparingLong((long[] r) -> r[0]).thenComparingLong(r -> r[1]));
    DriverCandidates.sortStable(by, with);
    for (int i = 0; i < by.length; i++) {
      assertEquals(expected[i][0], by[i], "key at " + i);
      assertEquals(expected[i][1], with[i], "carried value at " + i);
    }
  }

  @Test
  void samePairsAndBucketCountsAsTheDistributedPath() {
    SparkSession spark = TestSpark.session();
    SplittableRandom random = new SplittableRandom(13);
    List<Row> rows = new ArrayList<>();
    int n = 3_000;
    for (int i = 0; i < n; i++) {
      long node = (long) (i % 4) << 33 | i; // node ids as features assigns them: partition << 33 | position
      for (int band = 0; band < 6; band++) {
        long key = switch (random.nextInt(10)) {
          case 0 -> band * 1000L + random.nextInt(30); // small buckets
          case 1 -> -7L;                               // one oversized bucket across bands
          default -> random.nextLong();                // singletons
        };
        rows.add(RowFactory.create(key, node));
      }
    }
    StructType schema = new StructType().add(CandidatePairs.KEY, DataTypes.LongType, false)
        .add(NearDuplicates.NODE, DataTypes.LongType, false);
    Dataset<Row> bandRows = spark.createDataFrame(rows, schema).repartition(3);
    int cap = 25;
    CandidatePairs.BucketCounts distributedCounts = CandidatePairs.BucketCounts.register(spark);
    List<Row> distributed = CandidatePairs.pairs(bandRows, cap, 5, distributedCounts)
        .orderBy(col(CandidatePairs.A), col(CandidatePairs.B)).collectAsList();

    long[] keys = rows.stream().mapToLong(r -> r.getLong(0)).toArray();
    long[] nodes = rows.stream().mapToLong(r -> r.getLong(1)).toArray();
    CandidatePairs.BucketCounts driverCounts = CandidatePairs.BucketCounts.register(spark);
    long[][] driver = DriverCandidates.pairs(keys, nodes, cap, driverCounts);

    assertTrue(distributed.size() > 1_000, distributed.size() + " pairs");
    assertArrayEquals(distributed.stream().mapToLong(r -> r.getLong(0)).toArray(), driver[0]);
    assertArrayEquals(distributed.stream().mapToLong(r -> r.getLong(1)).toArray(), driver[1]);
    assertEquals(distributedCounts.colliding().value(), driverCounts.colliding().value());
    assertEquals(distributedCounts.oversized().value(), driverCounts.oversized().value());
    assertEquals(distributedCounts.largest().value(), driverCounts.largest().value());
    assertTrue(driverCounts.oversized().value() > 0, "the capped path is exercised");
  }
}
