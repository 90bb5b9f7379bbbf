package io.llmforge.dedup;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import io.llmforge.pipeline.spark.DocumentSchema;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Finding near-duplicate pairs in Spark: MinHash signatures ({@link MinHashSignatures}) -> LSH band keys
 * ({@link LshBands}) -> band buckets and candidate pairs ({@link CandidatePairs}) -> verified pairs
 * ({@link VerifyMode}). Spark only composes; each step's logic is a plain class tested on its own.
 *
 * <p>Documents get a long {@code node} id for the graph steps. Only the compact per-document features (id,
 * band keys, ranking fields; the signature only when verification needs it) are cached; the text is read again
 * only for candidate documents, and only when verification is exact. A join whose small side has at most
 * {@code broadcast-rows} rows broadcasts it, so the large side is not shuffled. A corpus of at most
 * {@code driver-max-documents} documents finds its candidate pairs on the driver ({@link DriverCandidates}): the
 * same pairs without the shuffles whose fixed cost dominates small runs.
 */
public final class NearDuplicates {
  public static final String NODE = "node";
  public static final String SIGNATURE = "signature";
  public static final String KEYS = "band_keys";
  public static final String SHINGLES = "shingles";
  public static final String SIMILARITY = "similarity";

  private NearDuplicates() {}

  /**
   * @param features one row per document: {@code node}, {@code doc_id}, band keys, ranking fields; cached, call
   *                 {@link #release} when done
   * @param edges    verified pairs {@code a < b} (node ids) with {@code similarity} (null when not verified)
   */
  public record Found(Dataset<Row> features, Dataset<Row> edges, Counts counts) {
    public void release() {
      features.unpersist();
      edges.unpersist();
    }
  }

  /** What each step produced (bucket counts: see {@link CandidatePairs}); seconds are wall-clock per step. */
  public record Counts(long documents, long withoutWords, long collidingBuckets, long oversizedBuckets,
      long largestBucket, long candidatePairs, long candidateDocuments, long verifiedPairs,
      double signatureSeconds, double candidateSeconds, double verifySeconds) {}

  /**
   * Runs signatures, banding, candidates and verification on {@code docs} (document columns, plus
   * {@code quality_score} when ranking by it).
   */
  public static Found find(Dataset<Row> docs, DedupSettings s, Column quality) {
    long t0 = System.nanoTime();
    Dataset<Row> features = features(docs, s, quality).persist(StorageLevel.MEMORY_AND_DISK());
    Row sizes = features.agg(count(lit(1)), sum(when(col(KEYS).isNull(), 1).otherwise(0)),
        countDistinct(col(DocumentSchema.DOC_ID))).first();
    long documents = sizes.getLong(0);
    long withoutWords = sizes.isNullAt(1) ? 0 : sizes.getLong(1);
    if (sizes.getLong(2) != documents) {
      features.unpersist();
      throw new IllegalArgumentException("doc_id must be unique: " + documents + " documents have "
          + sizes.getLong(2) + " distinct doc_ids (run the clean job's exact dedup first)");
    }
    long t1 = System.nanoTime();

    CandidatePairs.BucketCounts buckets = CandidatePairs.BucketCounts.register(docs.sparkSession());
    Dataset<Row> pairs;
    Dataset<Row> candidateNodes;
    long candidatePairs;
    long candidateDocuments;
    if (documents <= s.driverMaxDocuments()
        && (documents - withoutWords) * s.bands().bands() <= DriverCandidates.MAX_BAND_ROWS) {
      DriverCandidates.Found onDriver = DriverCandidates.find(features, documents - withoutWords,
          s.bands().bands(), s.maxBucketSize(), buckets);
      pairs = onDriver.pairs();
      candidatePairs = onDriver.pairCount();
      candidateNodes = onDriver.nodes();
      candidateDocuments = onDriver.nodeCount();
    } else {
      pairs = CandidatePairs.pairs(bandRows(features), s.maxBucketSize(), s.partitions(), buckets)
          .persist(StorageLevel.MEMORY_AND_DISK());
      candidatePairs = pairs.count();
      candidateNodes = pairs.select(col(CandidatePairs.A).as(NODE))
          .union(pairs.select(col(CandidatePairs.B).as(NODE))).distinct().persist(StorageLevel.MEMORY_AND_DISK());
      candidateDocuments = candidateNodes.count();
    }
    long t2 = System.nanoTime();

    Verified verified = verify(docs, features, pairs, candidateNodes, candidateDocuments, s);
    Dataset<Row> edges = verified.edges().persist(StorageLevel.MEMORY_AND_DISK());
    long verifiedPairs = edges.count();
    verified.sketches().unpersist();
    pairs.unpersist();
    candidateNodes.unpersist();
    long t3 = System.nanoTime();

    Counts counts = new Counts(documents, withoutWords, buckets.colliding().value(), buckets.oversized().value(),
        buckets.largest().value(), candidatePairs, candidateDocuments, verifiedPairs,
        seconds(t0, t1), seconds(t1, t2), seconds(t2, t3));
    return new Found(features, edges, counts);
  }

  /**
   * One row per document: doc_id, band keys (null without words), signature (binary, kept only for
   * signature verification), num_chars, crawl_date, quality, node. The node id is the partition number and the
   * row's position in it (as {@code monotonically_increasing_id}), so a recomputed partition gets the same ids.
   */
  static Dataset<Row> features(Dataset<Row> docs, DedupSettings s, Column quality) {
    Dataset<Row> input = docs.select(col(DocumentSchema.DOC_ID), col(DocumentSchema.TEXT),
        col(DocumentSchema.NUM_CHARS), col(DocumentSchema.CRAWL_DATE), quality);
    StructType schema = new StructType()
        .add(DocumentSchema.DOC_ID, DataTypes.StringType, false)
        .add(KEYS, DataTypes.createArrayType(DataTypes.LongType, false), true)
        .add(SIGNATURE, DataTypes.BinaryType, true)
        .add(DocumentSchema.NUM_CHARS, DataTypes.IntegerType, false)
        .add(DocumentSchema.CRAWL_DATE, DataTypes.TimestampType, true)
        .add(Representatives.QUALITY, DataTypes.DoubleType, true)
        .add(NODE, DataTypes.LongType, false);
    int shingleSize = s.shingleSize();
    LshBands bands = s.bands();
    boolean keepSignature = s.verify() == VerifyMode.SIGNATURE;
    MapPartitionsFunction<Row, Row> sign = rows -> {
      MinHashSignatures signatures = new MinHashSignatures(shingleSize, bands.numHashes());
      long firstNode = (long) TaskContext.getPartitionId() << 33;
      long[] position = {0};
      return new ClosingMap<>(rows, signatures, row -> {
        long[] signature = signatures.signature(row.getString(1));
        boolean empty = signature.length == 0;
        return RowFactory.create(row.get(0), empty ? null : keyArray(bands.keys(signature)),
            empty || !keepSignature ? null : LongBytes.toBytes(signature), row.get(2), row.get(3), row.get(4),
            firstNode + position[0]++);
      });
    };
    return input.mapPartitions(sign, Encoders.row(schema));
  }

  /** {@code key}, {@code node}: one row per band of every document that has words. */
  static Dataset<Row> bandRows(Dataset<Row> features) {
    return features.filter(col(KEYS).isNotNull()).select(explode(col(KEYS)).as(CandidatePairs.KEY), col(NODE));
  }

  /** Band keys as the Scala sequence that Spark's row encoder expects for an array column. */
  private static scala.collection.Seq<Long> keyArray(long[] keys) {
    List<Long> boxed = new ArrayList<>(keys.length);
    for (long key : keys) {
      boxed.add(key);
    }
    return scala.collection.JavaConverters.asScalaBuffer(boxed).toSeq();
  }

  /** Verified pairs, and the cached per-document sketches they were compared on (unpersist after use). */
  record Verified(Dataset<Row> edges, Dataset<Row> sketches) {}

  /** Candidate pairs that pass verification, with their similarity. */
  static Verified verify(Dataset<Row> docs, Dataset<Row> features, Dataset<Row> pairs, Dataset<Row> candidateNodes,
      long candidateDocuments, DedupSettings s) {
    if (s.verify() == VerifyMode.NONE) {
      return new Verified(pairs.withColumn(SIMILARITY, lit(null).cast(DataTypes.DoubleType)), pairs);
    }
    Dataset<Row> nodes = sized(candidateNodes, candidateDocuments, s);
    Dataset<Row> sketches;
    UserDefinedFunction similarity;
    if (s.verify() == VerifyMode.SIGNATURE) {
      sketches = features.join(nodes, NODE).select(col(NODE), col(SIGNATURE).as(SHINGLES));
      similarity = udf((byte[] x, byte[] y) -> Jaccard.estimate(LongBytes.toLongs(x), LongBytes.toLongs(y)),
          DataTypes.DoubleType);
    } else {
      Dataset<Row> ids = sized(features.join(nodes, NODE).select(col(NODE), col(DocumentSchema.DOC_ID)),
          candidateDocuments, s);
      Dataset<Row> texts = docs.select(col(DocumentSchema.DOC_ID), col(DocumentSchema.TEXT))
          .join(ids, DocumentSchema.DOC_ID).select(col(NODE), col(DocumentSchema.TEXT));
      sketches = shingleSets(texts, s.shingleSize());
      similarity = udf((byte[] x, byte[] y) -> Jaccard.exact(LongBytes.toLongs(x), LongBytes.toLongs(y)),
          DataTypes.DoubleType);
    }
    // Both sides of the pair join read the sketches: cache them so the text is read and analysed once.
    sketches = sketches.persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> left = sketches.select(col(NODE).as(CandidatePairs.A), col(SHINGLES).as("x"));
    Dataset<Row> right = sketches.select(col(NODE).as(CandidatePairs.B), col(SHINGLES).as("y"));
    Dataset<Row> edges = pairs.join(left, CandidatePairs.A).join(right, CandidatePairs.B)
        .select(col(CandidatePairs.A), col(CandidatePairs.B), similarity.apply(col("x"), col("y")).as(SIMILARITY))
        .filter(col(SIMILARITY).geq(s.threshold()));
    return new Verified(edges, sketches);
  }

  /** {@code node}, {@code shingles} (binary, sorted distinct hashes) from {@code node}, {@code text}. */
  static Dataset<Row> shingleSets(Dataset<Row> texts, int shingleSize) {
    StructType schema = new StructType().add(NODE, DataTypes.LongType, false)
        .add(SHINGLES, DataTypes.BinaryType, false);
    MapPartitionsFunction<Row, Row> shingle = rows -> {
      ShingleSets sets = new ShingleSets(shingleSize);
      return new ClosingMap<>(rows, sets,
          row -> RowFactory.create(row.get(0), LongBytes.toBytes(sets.of(row.getString(1)))));
    };
    return texts.mapPartitions(shingle, Encoders.row(schema));
  }

  /** Marks {@code ds} for broadcast when its row count says it is small; otherwise both sides are shuffled. */
  static Dataset<Row> sized(Dataset<Row> ds, long rows, DedupSettings s) {
    return rows <= s.broadcastRows() ? broadcast(ds) : ds;
  }

  private static double seconds(long from, long to) {
    return Math.round((to - from) / 1e7) / 100.0;
  }

  /** Maps a partition's rows lazily and closes the per-task resource after the last one. */
  static final class ClosingMap<T> implements Iterator<Row> {
    private final Iterator<T> rows;
    private final AutoCloseable resource;
    private final java.util.function.Function<T, Row> map;
    private boolean open = true;

    ClosingMap(Iterator<T> rows, AutoCloseable resource, java.util.function.Function<T, Row> map) {
      this.rows = rows;
      this.resource = resource;
      this.map = map;
    }

    @Override
    public boolean hasNext() {
      boolean more = rows.hasNext();
      if (!more && open) {
        open = false;
        try {
          resource.close();
        } catch (Exception e) {
          // Closing Lucene analyzers releases thread-locals only; nothing to recover.
        }
      }
      return more;
    }

    @Override
    public Row next() {
      return map.apply(rows.next());
    }
  }
}
