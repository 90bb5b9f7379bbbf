package io.llmforge.dedup;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.llmforge.pipeline.spark.AtomicOutput;
import io.llmforge.pipeline.spark.DocumentSchema;
import io.llmforge.pipeline.spark.JobStats;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dedup job: a {@code documents/} Parquet folder in; near-duplicate clusters found by MinHash LSH
 * ({@link NearDuplicates}), grouped by distributed connected components ({@link ConnectedComponents}), one
 * representative kept per cluster ({@link Representatives}). Writes, atomically:
 * <ul>
 *   <li>{@code deduped/}: the input columns plus {@code cluster_id}, representatives and singletons only;</li>
 *   <li>{@code clusters/}: {@code doc_id}, {@code cluster_id}, {@code kept} for every input document;</li>
 *   <li>{@code stats.json}: what each step found and removed.</li>
 * </ul>
 * A cluster's id is its representative's doc_id; a document without near-duplicates is its own cluster.
 */
public final class DedupJob {
  private static final Logger LOG = LoggerFactory.getLogger(DedupJob.class);
  public static final String DEDUPED = "deduped";
  public static final String CLUSTERS = "clusters";
  public static final String CLUSTER_ID = "cluster_id";
  public static final String KEPT = "kept";

  private DedupJob() {}

  /** Runs the job; returns its stats (also written to {@code stats.json}), or a note if the output is finished. */
  public static JobStats run(SparkSession spark, DedupSettings s) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    if (!s.overwrite() && AtomicOutput.isComplete(hadoop, s.output())) {
      LOG.warn("{} is already complete; skipping (use --overwrite to recompute)", s.output());
      return new JobStats().put("skipped", true).put("output", s.output());
    }
    String inputs = String.join(", ", s.inputs());
    Dataset<Row> docs = spark.read().parquet(s.inputs().toArray(String[]::new));
    DocumentSchema.requireDocumentColumns(docs.schema(), inputs);
    if (Arrays.asList(docs.columns()).contains(CLUSTER_ID)) {
      docs = docs.drop(CLUSTER_ID); // an already deduped input: its old clusters are replaced
    }
    Column quality = Representatives.qualityColumn(docs.schema(), s.representative(), s.qualitySignal(), inputs);
    Instant started = Instant.now();
    AtomicOutput out = AtomicOutput.begin(hadoop, s.output(), s.overwrite());
    Outcome outcome = null;
    try {
      outcome = dedup(docs, s, quality);
      long t0 = System.nanoTime();
      write(outcome.deduped(), out.stagingPath(DEDUPED), s.outputPartitions());
      write(outcome.clusters(), out.stagingPath(CLUSTERS), s.outputPartitions());
      // Count what was written, not what was planned: every input document is kept or removed, once.
      JobStats stats = outcome.stats();
      long documents = stats.getLong("documents");
      long written = spark.read().parquet(out.stagingPath(DEDUPED)).count();
      long listed = spark.read().parquet(out.stagingPath(CLUSTERS)).count();
      if (written != stats.getLong("kept") || listed != documents) {
        throw new IllegalStateException("deduped has " + written + " rows, expected " + stats.getLong("kept")
            + "; clusters has " + listed + ", expected " + documents + ": refusing to commit " + s.output());
      }
      phaseSeconds(stats).put("write", round((System.nanoTime() - t0) / 1e9));
      JobStats all = new JobStats()
          .put("job", "dedup")
          .put("input", s.inputs())
          .put("output", out.target())
          .put("started_at", started.toString())
          .put("seconds", Duration.between(started, Instant.now()).toMillis() / 1000.0);
      stats.asMap().forEach(all::put);
      all.put("kept_plus_removed_equals_documents", true);
      out.commit(all.toJson());
      LOG.info("dedup: {} documents -> {} kept, {} removed in {} clusters, {}", documents, stats.getLong("kept"),
          stats.getLong("removed"), stats.getLong("clusters"), out.target());
      return all;
    } catch (RuntimeException e) {
      out.abort();
      throw e;
    } finally {
      if (outcome != null) {
        outcome.release();
      }
    }
  }

  /**
   * @param deduped  kept documents with {@code cluster_id}
   * @param clusters {@code doc_id}, {@code cluster_id}, {@code kept} for every document
   * @param edges    verified near-duplicate pairs as doc ids: {@code doc_a < doc_b}, {@code similarity}
   */
  public record Outcome(Dataset<Row> deduped, Dataset<Row> clusters, Dataset<Row> edges, JobStats stats,
      Runnable releaser) {
    /** Drops the cached intermediate data once the outputs are written. */
    public void release() {
      releaser.run();
    }
  }

  /** The whole computation without IO, for the job, the evaluation and tests. */
  public static Outcome dedup(Dataset<Row> docs, DedupSettings s, Column quality) {
    return cluster(docs, NearDuplicates.find(docs, s, quality), s);
  }

  /** Clusters, representatives and outputs from the near-duplicate pairs that {@link NearDuplicates} found. */
  public static Outcome cluster(Dataset<Row> docs, NearDuplicates.Found found, DedupSettings s) {
    NearDuplicates.Counts c = found.counts();

    long t0 = System.nanoTime();
    ConnectedComponents.Result cc = c.verifiedPairs() <= s.driverMaxEdges()
        ? DriverComponents.run(found.edges(), CandidatePairs.A, CandidatePairs.B, c.verifiedPairs())
        : ConnectedComponents.run(found.edges(), CandidatePairs.A, CandidatePairs.B, s.maxIterations(),
            s.checkpointDir());
    Dataset<Row> components = cc.components();
    long clusteredAtMost = 2 * c.verifiedPairs(); // every clustered document is in a verified pair

    // Members of real clusters with their ranking fields; the best of each cluster names it and is kept.
    Dataset<Row> members = found.features().join(NearDuplicates.sized(components, clusteredAtMost, s),
        NearDuplicates.NODE);
    Dataset<Row> best = members.groupBy(col(ConnectedComponents.COMPONENT))
        .agg(min(Representatives.rank(s.representative())).as("best"));
    Dataset<Row> membership = members.join(best, ConnectedComponents.COMPONENT)
        .select(col(DocumentSchema.DOC_ID), col("best." + DocumentSchema.DOC_ID).as(CLUSTER_ID),
            col(DocumentSchema.DOC_ID).equalTo(col("best." + DocumentSchema.DOC_ID)).as(KEPT))
        .persist(StorageLevel.MEMORY_AND_DISK());
    ClusterSizes sizes = ClusterSizes.of(membership);
    double componentSeconds = round((System.nanoTime() - t0) / 1e9);

    Dataset<Row> small = NearDuplicates.sized(membership, sizes.documents(), s);
    Dataset<Row> clusters = found.features().select(col(DocumentSchema.DOC_ID))
        .join(small, DocumentSchema.DOC_ID, "left")
        .select(col(DocumentSchema.DOC_ID), coalesce(col(CLUSTER_ID), col(DocumentSchema.DOC_ID)).as(CLUSTER_ID),
            coalesce(col(KEPT), lit(true)).as(KEPT));
    List<String> columns = Arrays.asList(docs.columns());
    Column[] dedupedColumns = new Column[columns.size() + 1];
    for (int i = 0; i < columns.size(); i++) {
      dedupedColumns[i] = docs.col(columns.get(i));
    }
    dedupedColumns[columns.size()] = coalesce(small.col(CLUSTER_ID), docs.col(DocumentSchema.DOC_ID)).as(CLUSTER_ID);
    Dataset<Row> deduped = docs.join(small, docs.col(DocumentSchema.DOC_ID).equalTo(small.col(DocumentSchema.DOC_ID)),
            "left")
        .filter(small.col(KEPT).isNull().or(small.col(KEPT)))
        .select(dedupedColumns);

    // Node ids back to doc ids: the verified pairs are the small side, the documents are not shuffled.
    Dataset<Row> ids = found.features().select(col(NearDuplicates.NODE), col(DocumentSchema.DOC_ID));
    Dataset<Row> withA = ids.withColumnRenamed(NearDuplicates.NODE, CandidatePairs.A)
        .withColumnRenamed(DocumentSchema.DOC_ID, "doc_a")
        .join(NearDuplicates.sized(found.edges(), c.verifiedPairs(), s), CandidatePairs.A);
    Dataset<Row> edges = ids.withColumnRenamed(NearDuplicates.NODE, CandidatePairs.B)
        .withColumnRenamed(DocumentSchema.DOC_ID, "doc_b")
        .join(NearDuplicates.sized(withA, c.verifiedPairs(), s), CandidatePairs.B)
        .select(least(col("doc_a"), col("doc_b")).as("doc_a"), greatest(col("doc_a"), col("doc_b")).as("doc_b"),
            col(NearDuplicates.SIMILARITY));

    JobStats stats = new JobStats()
        .put("documents", c.documents())
        .put("documents_without_words", c.withoutWords())
        .put("lsh", lshStats(s))
        .put("buckets_with_collisions", c.collidingBuckets())
        .put("oversized_buckets", c.oversizedBuckets())
        .put("largest_bucket", c.largestBucket())
        .put("candidate_pairs", c.candidatePairs())
        .put("candidate_documents", c.candidateDocuments())
        .put("verify", s.verify().name().toLowerCase())
        .put("verified_pairs", c.verifiedPairs())
        .put("connected_components", c.verifiedPairs() <= s.driverMaxEdges() ? "driver" : "distributed")
        .put("connected_components_rounds", cc.iterations())
        .put("clusters", sizes.clusters())
        .put("documents_in_clusters", sizes.documents())
        .put("largest_cluster", sizes.largest())
        .put("cluster_sizes", sizes.histogram())
        .put("representative", s.representative().name().toLowerCase())
        .put("removed", sizes.removed())
        .put("kept", c.documents() - sizes.removed());
    Map<String, Object> seconds = new LinkedHashMap<>();
    seconds.put("signatures", c.signatureSeconds());
    seconds.put("candidates", c.candidateSeconds());
    seconds.put("verify", c.verifySeconds());
    seconds.put("components", componentSeconds);
    stats.put("phase_seconds", seconds);
    Runnable release = () -> {
      found.release();
      membership.unpersist();
    };
    return new Outcome(deduped, clusters, edges, stats, release);
  }

  private static Map<String, Object> lshStats(DedupSettings s) {
    Map<String, Object> lsh = new LinkedHashMap<>();
    lsh.put("shingle_size", s.shingleSize());
    lsh.put("bands", s.bands().bands());
    lsh.put("rows", s.bands().rows());
    lsh.put("threshold", s.threshold());
    lsh.put("candidate_probability_at_threshold", round4(s.bands().candidateProbability(s.threshold())));
    lsh.put("steepest_similarity", round4(s.bands().steepestSimilarity()));
    lsh.put("max_bucket_size", s.maxBucketSize());
    return lsh;
  }

  /**
   * Cluster statistics from one aggregation: how many clusters and clustered documents, the largest cluster,
   * and a histogram of sizes in powers-of-two ranges ("2", "3-4", "5-8", ...; only ranges that occur).
   * Every cluster keeps one document, so removed = clustered documents - clusters.
   */
  record ClusterSizes(long clusters, long documents, long largest, Map<String, Object> histogram) {
    long removed() {
      return documents - clusters;
    }

    static ClusterSizes of(Dataset<Row> membership) {
      Dataset<Row> sizes = membership.groupBy(col(CLUSTER_ID)).agg(count(lit(1)).as("size"));
      Column range = when(col("size").leq(2), lit(1));
      for (int k = 2; k < 40; k++) {
        range = range.when(col("size").leq(1L << k), lit(k));
      }
      List<Row> rows = sizes.groupBy(range.as("k"))
          .agg(count(lit(1)).as("clusters"), sum(col("size")).as("docs"), max(col("size")).as("largest"))
          .orderBy(col("k")).collectAsList(); // at most 40 rows: one per size range
      Map<String, Object> histogram = new LinkedHashMap<>();
      long clusters = 0;
      long documents = 0;
      long largest = 0;
      for (Row row : rows) {
        int k = row.getInt(0);
        histogram.put(k == 1 ? "2" : ((1L << (k - 1)) + 1) + "-" + (1L << k), row.getLong(1));
        clusters += row.getLong(1);
        documents += row.getLong(2);
        largest = Math.max(largest, row.getLong(3));
      }
      return new ClusterSizes(clusters, documents, largest, histogram);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> phaseSeconds(JobStats stats) {
    return (Map<String, Object>) stats.get("phase_seconds");
  }

  private static void write(Dataset<Row> ds, String path, int partitions) {
    Dataset<Row> out = partitions > 0 ? ds.repartition(partitions) : ds;
    out.write().mode(SaveMode.ErrorIfExists).parquet(path);
  }

  private static double round(double seconds) {
    return Math.round(seconds * 100) / 100.0;
  }

  private static double round4(double x) {
    return Math.round(x * 10000) / 10000.0;
  }
}
