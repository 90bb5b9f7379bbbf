package io.llmforge.dedup;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple2;

/**
 * Candidate pairs from LSH band buckets: documents whose signatures agree on a whole band share a bucket key,
 * and every two members of a bucket are a candidate pair.
 *
 * <p>Buckets are never built as collections: the (key, node) rows are hash-partitioned by key and sorted, so
 * a bucket is a run of equal keys that one pass streams through ({@link BucketScan}). Memory per task is
 * bounded by {@code maxBucketSize}, however large a bucket is.
 *
 * <p>The bucket counts come from accumulators: exact for one computation of the pairs, inflated if Spark
 * recomputes a lost partition; they are statistics, never used for decisions.
 *
 * <p>Skew protection: a bucket of n members has n(n-1)/2 pairs, so one template page copied a million times
 * would yield half a trillion pairs. A bucket larger than {@code maxBucketSize} is therefore capped: all pairs
 * are kept only inside consecutive blocks of {@code maxBucketSize} members (in node order), and every member
 * is also paired with the bucket's first (smallest) member. Work stays linear, about n * maxBucketSize / 2
 * pairs, and the members stay connected through the first member as far as verification confirms them.
 */
public final class CandidatePairs {
  public static final String KEY = "key";
  public static final String A = "a";
  public static final String B = "b";

  private CandidatePairs() {}

  /** What the scan saw, filled in once the pairs have been computed (Spark accumulators). */
  public record BucketCounts(LongAccumulator colliding, LongAccumulator oversized, MaxAccumulator largest)
      implements java.io.Serializable {

    /** Fresh accumulators registered with {@code spark}. */
    public static BucketCounts register(org.apache.spark.sql.SparkSession spark) {
      LongAccumulator colliding = spark.sparkContext().longAccumulator("dedup buckets with collisions");
      LongAccumulator oversized = spark.sparkContext().longAccumulator("dedup oversized buckets");
      MaxAccumulator largest = new MaxAccumulator();
      spark.sparkContext().register(largest, "dedup largest bucket");
      return new BucketCounts(colliding, oversized, largest);
    }
  }

  /**
   * Distinct candidate pairs {@code a < b} (node ids) from band rows {@code key}, {@code node}.
   *
   * @param partitions partitions of the shuffle by bucket key; 0 for spark.sql.shuffle.partitions
   */
  public static Dataset<Row> pairs(Dataset<Row> bandRows, int maxBucketSize, int partitions, BucketCounts counts) {
    Dataset<Row> byKey = partitions > 0 ? bandRows.repartition(partitions, col(KEY)) : bandRows.repartition(col(KEY));
    MapPartitionsFunction<Row, Tuple2<Long, Long>> scan = rows -> new BucketScan(new RowSource(rows), maxBucketSize,
        counts);
    Dataset<Row> all = byKey.sortWithinPartitions(col(KEY), col(NearDuplicates.NODE))
        .mapPartitions(scan, Encoders.tuple(Encoders.LONG(), Encoders.LONG())).toDF(A, B);
    return all.distinct();
  }

  /** How many pairs a bucket of {@code n} members yields. */
  public static long pairCount(long n, int maxBucketSize) {
    if (n <= maxBucketSize) {
      return n * (n - 1) / 2;
    }
    long count = (long) maxBucketSize * (maxBucketSize - 1) / 2 + (n - maxBucketSize); // first block + star
    for (long start = maxBucketSize; start < n; start += maxBucketSize) {
      long size = Math.min(maxBucketSize, n - start);
      count += size * (size - 1) / 2;
    }
    return count;
  }

  /** The pairs of one bucket, in emission order; for tests. */
  public static List<long[]> pairsOf(long[] members, int maxBucketSize) {
    long[] sorted = Arrays.stream(members).sorted().toArray();
    long[][] rows = new long[sorted.length][];
    for (int i = 0; i < sorted.length; i++) {
      rows[i] = new long[] {42, sorted[i]};
    }
    return pairsOfSorted(rows, maxBucketSize);
  }

  /** The pairs of rows {key, node} sorted by key then node; for tests. */
  public static List<long[]> pairsOfSorted(long[][] rows, int maxBucketSize) {
    long[] keys = new long[rows.length];
    long[] nodes = new long[rows.length];
    for (int i = 0; i < rows.length; i++) {
      keys[i] = rows[i][0];
      nodes[i] = rows[i][1];
    }
    BucketScan scan = new BucketScan(new ArraySource(keys, nodes), maxBucketSize, null);
    List<long[]> out = new ArrayList<>();
    scan.forEachRemaining(p -> out.add(new long[] {p._1(), p._2()}));
    return out;
  }

  /** (key, node) rows sorted by key, then node. */
  interface Source {
    /** Advances to the next row; false at the end. */
    boolean next();

    long key();

    long node();
  }

  private static final class RowSource implements Source {
    private final Iterator<Row> rows;
    private long key;
    private long node;

    RowSource(Iterator<Row> rows) {
      this.rows = rows;
    }

    @Override
    public boolean next() {
      if (!rows.hasNext()) {
        return false;
      }
      Row row = rows.next();
      key = row.getLong(0);
      node = row.getLong(1);
      return true;
    }

    @Override
    public long key() {
      return key;
    }

    @Override
    public long node() {
      return node;
    }
  }

  /** (key, node) rows from two parallel arrays. */
  static final class ArraySource implements Source {
    private final long[] keys;
    private final long[] nodes;
    private int at = -1;

    ArraySource(long[] keys, long[] nodes) {
      this.keys = keys;
      this.nodes = nodes;
    }

    @Override
    public boolean next() {
      return ++at < keys.length;
    }

    @Override
    public long key() {
      return keys[at];
    }

    @Override
    public long node() {
      return nodes[at];
    }
  }

  /**
   * Streams the pairs of sorted (key, node) rows, one bucket (run of equal keys) at a time. Up to
   * {@code maxBucketSize} members are buffered; a bucket that grows past it emits that first block's pairs,
   * then pairs each further member with the bucket's first member and collects it into the next block.
   */
  static final class BucketScan implements Iterator<Tuple2<Long, Long>> {
    private final Source source;
    private final int maxBucketSize;
    private final BucketCounts counts;
    private final ArrayDeque<Tuple2<Long, Long>> out = new ArrayDeque<>();
    private final long[] block;
    private int blockSize;
    private long runSize;
    private long key;
    private long leader;
    private long previous;
    private boolean exhausted;
    private long colliding;
    private long oversized;
    private long largest;

    BucketScan(Source source, int maxBucketSize, BucketCounts counts) {
      if (maxBucketSize < 2) {
        throw new IllegalArgumentException("maxBucketSize must be at least 2");
      }
      this.source = source;
      this.maxBucketSize = maxBucketSize;
      this.counts = counts;
      this.block = new long[maxBucketSize];
    }

    @Override
    public boolean hasNext() {
      while (out.isEmpty() && !exhausted) {
        step();
      }
      return !out.isEmpty();
    }

    @Override
    public Tuple2<Long, Long> next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return out.poll();
    }

    private void step() {
      if (!source.next()) {
        finishRun();
        exhausted = true;
        if (counts != null) {
          counts.colliding().add(colliding);
          counts.oversized().add(oversized);
          counts.largest().add(largest);
        }
        return;
      }
      long k = source.key();
      long node = source.node();
      if (runSize == 0 || k != key) {
        finishRun();
        key = k;
        leader = node;
        block[0] = node;
        blockSize = 1;
        runSize = 1;
      } else if (node != previous) {
        runSize++;
        if (runSize > maxBucketSize) {
          if (runSize == maxBucketSize + 1) {
            emitBlock(); // the first block, leader included, before the bucket turns into star + blocks
          }
          out.add(new Tuple2<>(leader, node));
        }
        block[blockSize++] = node;
        if (runSize > maxBucketSize && blockSize == maxBucketSize) {
          emitBlock();
        }
      }
      previous = node;
    }

    private void finishRun() {
      if (runSize > 1) {
        emitBlock();
        colliding++;
        if (runSize > maxBucketSize) {
          oversized++;
        }
        largest = Math.max(largest, runSize);
      }
      runSize = 0;
      blockSize = 0;
    }

    private void emitBlock() {
      for (int i = 0; i < blockSize; i++) {
        for (int j = i + 1; j < blockSize; j++) {
          out.add(new Tuple2<>(block[i], block[j]));
        }
      }
      blockSize = 0;
    }
  }
}
