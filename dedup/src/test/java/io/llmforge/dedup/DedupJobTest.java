package io.llmforge.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.document.Document;
import io.llmforge.pipeline.spark.AtomicOutput;
import io.llmforge.pipeline.spark.DocumentSchema;
import io.llmforge.pipeline.spark.JobStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dedup job end to end on local Spark: generated documents with planted near-duplicates in, outputs checked. */
class DedupJobTest {
  @TempDir
  static Path dir;
  static List<Document> docs;
  static String input;

  @BeforeAll
  static void writeInput() {
    NearDuplicateCorpus corpus = NearDuplicateCorpus.of(TestCorpora.synthetic(120, 5),
        new NearDuplicateCorpus.Spec(5, 40, 150, 0.3, 0.5, 1.0, 5));
    docs = corpus.documents(400);
    input = dir.resolve("clean/documents").toString();
    writeDocuments(TestSpark.session(), docs, input);
  }

  static void writeDocuments(SparkSession spark, List<Document> docs, String path) {
    List<Row> rows = docs.stream().map(DocumentSchema::documentRow).toList();
    spark.createDataFrame(rows, DocumentSchema.DOCUMENTS).repartition(3).write().parquet(path);
  }

  static DedupSettings settings(String input, String output, String... overrides) {
    List<String> all = new ArrayList<>(List.of("dedup.input=[\"" + input + "\"]", "dedup.output=\"" + output + "\""));
    all.addAll(List.of(overrides));
    return DedupSettings.from(JobConfig.load("dedup", List.of("dedup"), List.of(), all));
  }

  /** doc_id -> cluster_id, kept as "cluster_id|kept". */
  static Map<String, String> clusters(SparkSession spark, String output) {
    Map<String, String> map = new HashMap<>();
    for (Row r : spark.read().parquet(output + "/" + DedupJob.CLUSTERS).collectAsList()) {
      map.put(r.getString(0), r.getString(1) + "|" + r.getBoolean(2));
    }
    return map;
  }

  @Test
  void writesDedupedAndClustersConsistentWithExactSimilarity() {
    SparkSession spark = TestSpark.session();
    String output = dir.resolve("dedup").toString();
    JobStats stats = DedupJob.run(spark, settings(input, output));

    assertTrue(AtomicOutput.isComplete(spark.sparkContext().hadoopConfiguration(), output));
    assertTrue(Files.isRegularFile(Path.of(output, AtomicOutput.STATS)));
    assertEquals(400L, stats.getLong("documents"));
    assertTrue(stats.getLong("removed") > 50, "planted copies are removed: " + stats.toJson());
    assertEquals(400L, stats.getLong("kept") + stats.getLong("removed"));

    Dataset<Row> deduped = spark.read().parquet(output + "/" + DedupJob.DEDUPED);
    List<String> expectedColumns = new ArrayList<>(DocumentSchema.documentColumns());
    expectedColumns.add(DedupJob.CLUSTER_ID);
    assertEquals(expectedColumns, Arrays.asList(deduped.columns()));
    assertEquals(stats.getLong("kept"), deduped.count());

    Map<String, String> clusters = clusters(spark, output);
    assertEquals(400, clusters.size());
    Map<String, Document> byId = new HashMap<>();
    docs.forEach(d -> byId.put(d.docId(), d));
    Map<String, Integer> longest = new HashMap<>();
    for (Map.Entry<String, String> e : clusters.entrySet()) {
      String clusterId = e.getValue().split("\\|")[0];
      boolean kept = Boolean.parseBoolean(e.getValue().split("\\|")[1]);
      assertEquals(kept, clusterId.equals(e.getKey()), "the kept document names its cluster");
      longest.merge(clusterId, byId.get(e.getKey()).numChars(), Math::max);
    }
    longest.forEach((clusterId, chars) -> assertEquals(chars, byId.get(clusterId).numChars(),
        "representative = longest member"));

    // Every pair at exact Jaccard >= 0.8 ends in one cluster.
    PairSet reference = DedupEvaluation.reference(docs.stream().map(Document::text).toList(), 5, 0.8);
    assertTrue(reference.size() > 40, reference.size() + " reference pairs");
    for (int k = 0; k < reference.size(); k++) {
      String a = docs.get(PairSet.first(reference.key(k))).docId();
      String b = docs.get(PairSet.second(reference.key(k))).docId();
      assertEquals(clusters.get(a).split("\\|")[0], clusters.get(b).split("\\|")[0], a + " ~ " + b);
    }
  }

  @Test
  void finishedOutputIsSkippedAndOverwriteIsDeterministic() {
    SparkSession spark = TestSpark.session();
    String output = dir.resolve("rerun").toString();
    DedupJob.run(spark, settings(input, output, "dedup.representative=earliest"));
    Map<String, String> first = clusters(spark, output);
    JobStats skipped = DedupJob.run(spark, settings(input, output));
    assertEquals(true, skipped.get("skipped"));
    DedupJob.run(spark, settings(input, output, "dedup.representative=earliest", "dedup.overwrite=true",
        "dedup.partitions=7", "dedup.broadcast-rows=0", "dedup.connected-components.driver-max-edges=0",
        "dedup.driver-max-documents=0"));
    assertEquals(first, clusters(spark, output),
        "same clusters with other partitioning, no broadcasts, distributed candidates and components");
  }

  @Test
  void signatureAndNoVerificationModesRun() {
    SparkSession spark = TestSpark.session();
    JobStats signature = DedupJob.run(spark, settings(input, dir.resolve("sig").toString(), "dedup.verify=signature"));
    JobStats none = DedupJob.run(spark, settings(input, dir.resolve("none").toString(), "dedup.verify=none"));
    assertEquals(none.getLong("candidate_pairs"), none.getLong("verified_pairs"));
    assertTrue(signature.getLong("verified_pairs") < signature.getLong("candidate_pairs"));
  }

  @Test
  void oversizedBucketsAreCapped() {
    SparkSession spark = TestSpark.session();
    JobStats capped = DedupJob.run(spark, settings(input, dir.resolve("capped").toString(),
        "dedup.max-bucket-size=2"));
    assertTrue(capped.getLong("oversized_buckets") > 0);
    assertTrue(capped.getLong("largest_bucket") > 2);
  }

  @Test
  void rejectsInputsThatAreNotDocuments() {
    SparkSession spark = TestSpark.session();
    String bad = dir.resolve("not-documents").toString();
    spark.range(3).toDF("doc_id").write().parquet(bad);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DedupJob.run(spark, settings(bad, dir.resolve("never").toString())));
    assertTrue(e.getMessage().contains(bad), e.getMessage());
    assertThrows(ConfigError.class, () -> DedupJob.run(spark,
        settings(input, dir.resolve("never").toString(), "dedup.representative=quality")),
        "quality without a quality_score column or quality-signal");
    assertTrue(!Files.exists(dir.resolve("never")));
  }

  @Test
  void rankingByAQualitySignal() {
    SparkSession spark = TestSpark.session();
    List<Document> scored = new ArrayList<>();
    for (Document d : docs) {
      scored.add(d.withSignals(Map.of("score", (double) (d.docId().hashCode() % 97))));
    }
    String scoredInput = dir.resolve("scored/documents").toString();
    writeDocuments(spark, scored, scoredInput);
    String output = dir.resolve("by-quality").toString();
    DedupJob.run(spark, settings(scoredInput, output, "dedup.representative=quality", "dedup.quality-signal=score"));
    Map<String, Double> best = new HashMap<>();
    Map<String, String> clusters = clusters(spark, output);
    Map<String, Document> byId = new HashMap<>();
    scored.forEach(d -> byId.put(d.docId(), d));
    clusters.forEach((id, v) -> best.merge(v.split("\\|")[0], byId.get(id).qualitySignals().get("score"), Math::max));
    best.forEach((clusterId, q) -> assertEquals(q, byId.get(clusterId).qualitySignals().get("score")));
  }
}
