package io.llmforge.dedup;

import static org.apache.spark.sql.functions.lit;

import io.llmforge.pipeline.document.Document;
import io.llmforge.pipeline.spark.DocumentSchema;
import io.llmforge.pipeline.spark.JobStats;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * Scores the dedup pipeline against exact brute-force Jaccard: the pipeline runs on a corpus in Spark, and its
 * verified pairs are compared with every pair whose exact shingle-set similarity reaches the threshold.
 *
 * <p>Two views: pair precision/recall (the pairs the pipeline confirmed directly), and cluster recall (reference
 * pairs that ended up in the same cluster, directly or through other members), which is what dedup acts on.
 */
public final class DedupEvaluation {
  /** Corpora up to this size get the all-pairs brute force; larger ones the (equally exact) prefix-filter join. */
  public static final int BRUTE_FORCE_MAX_DOCS = 20_000;

  private DedupEvaluation() {}

  public record Report(int documents, PairMetrics pairs, double clusterRecall, JobStats jobStats,
      double referenceSeconds) {
    public Map<String, Object> asMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("documents", documents);
      m.putAll(pairs.asMap());
      m.put("cluster_recall", clusterRecall);
      m.put("reference_seconds", referenceSeconds);
      m.put("job", jobStats.asMap());
      return m;
    }
  }

  /** Runs {@link DedupJob#dedup} on {@code docs} (local Spark is fine) and scores it. */
  public static Report run(SparkSession spark, List<Document> docs, DedupSettings s, int partitions) {
    List<Row> rows = docs.stream().map(DocumentSchema::documentRow).toList();
    Dataset<Row> ds = spark.createDataFrame(rows, DocumentSchema.DOCUMENTS).repartition(partitions);
    DedupJob.Outcome outcome = DedupJob.dedup(ds, s, lit(null).cast(DataTypes.DoubleType).as(Representatives.QUALITY));
    try {
      Map<String, Integer> index = new HashMap<>();
      for (int i = 0; i < docs.size(); i++) {
        index.put(docs.get(i).docId(), i);
      }
      PairSet found = pairs(outcome.edges().collectAsList(), index);
      Map<String, String> clusterOf = new HashMap<>();
      for (Row r : outcome.clusters().collectAsList()) {
        clusterOf.put(r.getString(0), r.getString(1));
      }
      long t0 = System.nanoTime();
      PairSet truth = reference(docs.stream().map(Document::text).toList(), s.shingleSize(), s.threshold());
      double referenceSeconds = (System.nanoTime() - t0) / 1e9;
      int together = 0;
      for (int k = 0; k < truth.size(); k++) {
        String a = docs.get(PairSet.first(truth.key(k))).docId();
        String b = docs.get(PairSet.second(truth.key(k))).docId();
        if (clusterOf.get(a).equals(clusterOf.get(b))) {
          together++;
        }
      }
      double clusterRecall = truth.size() == 0 ? 1.0 : (double) together / truth.size();
      return new Report(docs.size(), PairMetrics.of(found, truth, s.threshold()), clusterRecall, outcome.stats(),
          referenceSeconds);
    } finally {
      outcome.release();
    }
  }

  /** Every pair with exact shingle-set Jaccard >= threshold: brute force when small, else prefix filtering. */
  public static PairSet reference(List<String> texts, int shingleSize, double threshold) {
    long[][] sets;
    try (ShingleSets shingles = new ShingleSets(shingleSize)) {
      sets = IntStream.range(0, texts.size()).parallel().mapToObj(i -> shingles.of(texts.get(i)))
          .toArray(long[][]::new);
    }
    return texts.size() <= BRUTE_FORCE_MAX_DOCS ? ExactJaccardJoin.bruteForce(sets, threshold)
        : ExactJaccardJoin.allPairs(sets, threshold);
  }

  /** Pairs from rows of ({@code doc_a}, {@code doc_b}, {@code similarity}) as indexes into the corpus. */
  public static PairSet pairs(List<Row> edges, Map<String, Integer> index) {
    long[] keys = new long[edges.size()];
    double[] sims = new double[edges.size()];
    for (int k = 0; k < keys.length; k++) {
      Row r = edges.get(k);
      keys[k] = PairSet.key(index.get(r.getString(0)), index.get(r.getString(1)));
      sims[k] = r.isNullAt(2) ? Double.NaN : r.getDouble(2);
    }
    return PairSet.of(keys, sims);
  }
}
