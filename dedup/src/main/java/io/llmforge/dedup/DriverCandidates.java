package io.llmforge.dedup;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * The candidate pairs of a small corpus on the driver: the band keys are collected, sorted (a stable radix
 * sort, so members stay in node order) and streamed through the same {@link CandidatePairs.BucketScan} as the
 * distributed path, same caps, same counts. For a corpus of a few hundred thousand documents this takes a
 * fraction of a second, where the distributed path's shuffles, sorts and distincts cost seconds whatever the
 * size. The driver holds 32 bytes per band row while sorting; callers choose this path only below a configured size.
 */
final class DriverCandidates {
  /** The most band rows the driver sorts (640 MB while sorting); more go the distributed way, whatever the size. */
  static final long MAX_BAND_ROWS = 20_000_000L;

  private static final StructType PAIRS = new StructType()
      .add(CandidatePairs.A, DataTypes.LongType, false)
      .add(CandidatePairs.B, DataTypes.LongType, false);
  private static final StructType NODES = new StructType().add(NearDuplicates.NODE, DataTypes.LongType, false);

  private DriverCandidates() {}

  /** Distinct pairs {@code a < b} and the distinct nodes in them, as small local DataFrames. */
  record Found(Dataset<Row> pairs, long pairCount, Dataset<Row> nodes, long nodeCount) {}

  /** @param withWords how many documents have band keys (the arrays are sized from it) */
  static Found find(Dataset<Row> features, long withWords, int bands, int maxBucketSize,
      CandidatePairs.BucketCounts counts) {
    long rows = withWords * bands;
    if (rows > MAX_BAND_ROWS) {
      throw new IllegalArgumentException(withWords + " documents x " + bands + " bands is too many for the driver");
    }
    long[] keys = new long[(int) rows];
    long[] nodes = new long[keys.length];
    int at = 0;
    // Streamed partition by partition, so the driver never holds the rows, only the two arrays.
    Iterator<Row> it = features.filter(col(NearDuplicates.KEYS).isNotNull())
        .select(col(NearDuplicates.NODE), col(NearDuplicates.KEYS)).toLocalIterator();
    while (it.hasNext()) {
      Row row = it.next();
      List<Long> bandKeys = row.getList(1);
      if (bandKeys.size() != bands || at + bands > keys.length) {
        throw new IllegalStateException("features changed while they were read: " + bandKeys.size() + " keys at row "
            + at / bands + " of " + withWords);
      }
      for (int b = 0; b < bands; b++) {
        keys[at] = bandKeys.get(b);
        nodes[at++] = row.getLong(0);
      }
    }
    if (at != keys.length) {
      throw new IllegalStateException("read " + at / bands + " documents with band keys, expected " + withWords);
    }
    long[][] pairs = pairs(keys, nodes, maxBucketSize, counts);
    List<Row> pairRows = new ArrayList<>(pairs[0].length);
    long[] ends = new long[2 * pairs[0].length];
    for (int i = 0; i < pairs[0].length; i++) {
      pairRows.add(RowFactory.create(pairs[0][i], pairs[1][i]));
      ends[2 * i] = pairs[0][i];
      ends[2 * i + 1] = pairs[1][i];
    }
    Arrays.sort(ends);
    List<Row> nodeRows = new ArrayList<>();
    for (int i = 0; i < ends.length; i++) {
      if (i == 0 || ends[i] != ends[i - 1]) {
        nodeRows.add(RowFactory.create(ends[i]));
      }
    }
    SparkSession spark = features.sparkSession();
    return new Found(spark.createDataFrame(pairRows, PAIRS), pairRows.size(), spark.createDataFrame(nodeRows, NODES),
        nodeRows.size());
  }

  /**
   * {a[], b[]}: the distinct pairs {@code a < b} of the (key, node) rows, ascending; the rows are reordered.
   * Plain arrays, for {@link #find} and tests.
   */
  static long[][] pairs(long[] keys, long[] nodes, int maxBucketSize, CandidatePairs.BucketCounts counts) {
    sortStable(nodes, keys); // node order first, so that the stable sort by key keeps members in node order
    sortStable(keys, nodes);
    CandidatePairs.BucketScan scan = new CandidatePairs.BucketScan(new CandidatePairs.ArraySource(keys, nodes), maxBucketSize, counts);
    long[] a = new long[Math.max(16, keys.length)];
    long[] b = new long[a.length];
    int n = 0;
    while (scan.hasNext()) {
      Tuple2<Long, Long> pair = scan.next();
      if (n == a.length) {
        a = Arrays.copyOf(a, 2 * n);
        b = Arrays.copyOf(b, 2 * n);
      }
      a[n] = pair._1();
      b[n++] = pair._2();
    }
    a = Arrays.copyOf(a, n);
    b = Arrays.copyOf(b, n);
    sortStable(b, a);
    sortStable(a, b);
    int distinct = 0;
    for (int i = 0; i < n; i++) {
      if (distinct == 0 || a[i] != a[distinct - 1] || b[i] != b[distinct - 1]) {
        a[distinct] = a[i];
        b[distinct++] = b[i];
      }
    }
    return new long[][] {Arrays.copyOf(a, distinct), Arrays.copyOf(b, distinct)};
  }

  /**
   * Sorts {@code by} ascending (signed order, as Spark sorts longs), carrying {@code with} along; stable. LSD radix
   * sort, four passes of 16 bits: linear, no comparisons, no boxing.
   */
  static void sortStable(long[] by, long[] with) {
    int n = by.length;
    long[] byTmp = new long[n];
    long[] withTmp = new long[n];
    int[] count = new int[(1 << 16) + 1];
    for (int shift = 0; shift < 64; shift += 16) {
      Arrays.fill(count, 0);
      for (long x : by) {
        count[digit(x, shift) + 1]++;
      }
      for (int d = 0; d < 1 << 16; d++) {
        count[d + 1] += count[d];
      }
      for (int i = 0; i < n; i++) {
        int to = count[digit(by[i], shift)]++;
        byTmp[to] = by[i];
        withTmp[to] = with[i];
      }
      System.arraycopy(byTmp, 0, by, 0, n);
      System.arraycopy(withTmp, 0, with, 0, n);
    }
  }

  /** The 16-bit digit at {@code shift}; the sign bit flipped so that negative values come first. */
  private static int digit(long x, int shift) {
    return (int) (((x ^ Long.MIN_VALUE) >>> shift) & 0xFFFF);
  }
}
