package io.llmforge.quality;

import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.demo.SyntheticText;
import io.llmforge.pipeline.document.Document;
import io.llmforge.pipeline.spark.DocumentSchema;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.text.ContentHash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** classify-train then classify, end to end through their settings, as the command line runs them. */
class ClassifyJobTest {
  @TempDir
  static Path dir;
  static String model;
  static String documents;
  static JobStats trainStats;
  /** The default classification of {@link #documents}, shared by the tests that only read it. */
  static String classified;
  static JobStats classifyStats;

  @BeforeAll
  static void trainWriteAndClassify() {
    SparkSession spark = TestSpark.session();
    model = dir.resolve("model").toString();
    // 150 examples a class: with fewer, pages that are half word salad and half a real article sentence can end
    // up just above 0.5. A 2^14 hashed space keeps the fitted model, and so every task, small.
    trainStats = ClassifyTrainJob.run(spark, ClassifyTrainSettings.from(JobConfig.load("classify-train",
        List.of("classify-train"), List.of(), List.of(
            "classify-train.positives=[{format = synthetic-articles, count = 150, seed = 5}]",
            "classify-train.negatives=[{format = synthetic-web, count = 150, seed = 6, min-chars = 50}]",
            "classify-train.output=\"" + model + "\"",
            "classify-train.variants=[words-chars-lr]",
            "classify-train.validation-fraction=0",
            "classify-train.features.buckets=16384",
            "classify-train.logistic-regression.max-iter=30"))));
    documents = dir.resolve("documents").toString();
    documents(spark, 60).withColumn("cluster_id", lit("c1")).write().parquet(documents);
    classified = dir.resolve("classified").toString();
    classifyStats = ClassifyJob.run(spark, settings(documents, classified));
  }

  /** Half well-written articles, half web junk, as documents rows. */
  static Dataset<Row> documents(SparkSession spark, int n) {
    SyntheticText articles = new SyntheticText(11);
    SyntheticWebText web = new SyntheticWebText(12);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String text = i % 2 == 0 ? articles.article(3).text() : web.page();
      String url = "https://example.org/" + i;
      String sha = ContentHash.contentSha1(text);
      Document doc = Document.of(url, null, "test", text).withLanguage("en", 0.99f)
          .withIdentity(ContentHash.docId(url, sha), sha, text.split("\\s+").length)
          .withSignals(Map.of("mean_word_length", 4.5));
      rows.add(DocumentSchema.documentRow(doc));
    }
    return spark.createDataFrame(rows, DocumentSchema.DOCUMENTS);
  }

  static ClassifySettings settings(String input, String output, String... more) {
    List<String> overrides = new ArrayList<>(List.of("classify.input=[\"" + input + "\"]",
        "classify.model=\"" + model + "\"", "classify.output=\"" + output + "\"", "classify.quantile-error=0"));
    overrides.addAll(List.of(more));
    return ClassifySettings.from(JobConfig.load("classify", List.of("classify"), List.of(), overrides));
  }

  @Test
  void trainWritesTheModelFolder() throws IOException {
    Path m = Path.of(model);
    for (String part : List.of("model/metadata", "model/stages", "metrics.json", "stats.json", "_SUCCESS")) {
      assertTrue(Files.exists(m.resolve(part)), part);
    }
    Map<String, Object> metrics = JobStats.parse(Files.readString(m.resolve("metrics.json")));
    @SuppressWarnings("unchecked")
    Map<String, Object> test = (Map<String, Object>) ((Map<String, Object>) metrics.get("metrics")).get("test");
    for (String key : List.of("roc_auc", "pr_auc", "precision", "recall", "calibration")) {
      assertTrue(test.containsKey(key), key);
    }
    assertTrue(((Number) trainStats.get("test_roc_auc")).doubleValue() >= 0.95, trainStats.toJson());
  }

  @Test
  void classifyWritesScoredAndRejectsWithTheContractColumns() throws IOException {
    SparkSession spark = TestSpark.session();
    JobStats stats = classifyStats;
    Dataset<Row> scored = spark.read().parquet(classified + "/" + ClassifyJob.SCORED);
    Dataset<Row> rejects = spark.read().parquet(classified + "/" + ClassifyJob.REJECTS);
    DocumentSchema.requireDocumentColumns(scored.schema(), "scored");
    DocumentSchema.requireDocumentColumns(rejects.schema(), "rejects");
    assertEquals(DataTypes.DoubleType, field(scored, QualityModel.QUALITY_SCORE).dataType());
    assertEquals(DataTypes.DoubleType, field(scored, QualityModel.SAMPLE_WEIGHT).dataType());
    assertEquals(DataTypes.StringType, field(scored, "cluster_id").dataType(), "extra input columns are kept");
    assertEquals(DataTypes.StringType, field(rejects, DocumentSchema.REJECT_REASON).dataType());
    assertEquals(60, scored.count() + rejects.count(), "documents + rejects = input");
    assertEquals(60L, stats.getLong("input_documents"));
    assertEquals(scored.count(), stats.getLong("kept_documents"));
    // The articles are kept, the junk is not.
    assertEquals(30, scored.filter("url rlike '[02468]$'").count());
    assertEquals(30, scored.count());
    assertEquals(0, scored.filter("quality_score < 0.5").count());
    assertEquals(List.of(QualitySelection.STAGE), rejects.select(DocumentSchema.REJECT_STAGE).distinct()
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    double maxWeight = scored.agg(org.apache.spark.sql.functions.max(QualityModel.SAMPLE_WEIGHT)).first().getDouble(0);
    assertEquals(4.0, maxWeight);
    assertTrue(((Number) stats.get("weighted_chars")).doubleValue() > ((Number) stats.get("kept_chars")).doubleValue());
    for (String part : List.of("_SUCCESS", "stats.json")) {
      assertTrue(Files.exists(Path.of(classified, part)), part);
    }
  }

  @Test
  void aFinishedOutputIsSkippedUnlessOverwritten() throws IOException {
    SparkSession spark = TestSpark.session();
    FileTime finished = Files.getLastModifiedTime(Path.of(classified, "_SUCCESS"));
    JobStats again = ClassifyJob.run(spark, settings(documents, classified));
    assertEquals(true, again.get("skipped"), "a finished output is not recomputed");
    assertEquals(60L, again.getLong("input_documents"), "the skipped run reports the finished run's stats");
    assertEquals(finished, Files.getLastModifiedTime(Path.of(classified, "_SUCCESS")));
  }

  @Test
  void aMissingInputOrModelFailsNamingTheKeyBeforeWriting() {
    SparkSession spark = TestSpark.session();
    String output = dir.resolve("never").toString();
    ConfigError input = assertThrows(ConfigError.class,
        () -> ClassifyJob.run(spark, settings(dir.resolve("no-such-documents").toString(), output)));
    assertTrue(input.getMessage().contains("classify.input"), input.getMessage());
    ConfigError unfinished = assertThrows(ConfigError.class, () -> ClassifyJob.run(spark,
        settings(documents, output, "classify.model=\"" + dir.resolve("no-such-model") + "\"")));
    assertTrue(unfinished.getMessage().contains("classify.model"), unfinished.getMessage());
    ConfigError source = assertThrows(ConfigError.class, () -> ClassifyTrainJob.run(spark,
        ClassifyTrainSettings.from(JobConfig.load("classify-train", List.of("classify-train"), List.of(), List.of(
            "classify-train.positives=[{format = synthetic-articles}]",
            "classify-train.negatives=[{format = jsonl, path = \"" + dir.resolve("no-such.jsonl") + "\"}]",
            "classify-train.output=\"" + output + "\"")))));
    assertTrue(source.getMessage().contains("classify-train.negatives.0.path"), source.getMessage());
    assertFalse(Files.exists(Path.of(output)), "nothing was written");
  }

  @Test
  void topFractionKeepsThatShare() {
    SparkSession spark = TestSpark.session();
    String output = dir.resolve("top").toString();
    JobStats stats = ClassifyJob.run(spark, settings(documents, output, "classify.keep.mode=top-fraction",
        "classify.keep.top-fraction=0.25", "classify.weights.enabled=false"));
    assertEquals(15L, stats.getLong("kept_documents"));
    Dataset<Row> scored = spark.read().parquet(output + "/" + ClassifyJob.SCORED);
    assertEquals(15, scored.count());
    assertEquals(1.0, scored.agg(org.apache.spark.sql.functions.max(QualityModel.SAMPLE_WEIGHT)).first().getDouble(0));
  }

  @Test
  void rescoringAScoredDataSetReplacesScoreAndWeight() {
    SparkSession spark = TestSpark.session();
    // A scored data set whose score and weight are stale: both must be recomputed, neither kept nor duplicated.
    String stale = dir.resolve("stale").toString();
    spark.read().parquet(classified + "/" + ClassifyJob.SCORED)
        .withColumn(QualityModel.QUALITY_SCORE, lit(0.0)).withColumn(QualityModel.SAMPLE_WEIGHT, lit(9.0))
        .write().parquet(stale);
    String rescored = dir.resolve("rescored").toString();
    ClassifyJob.run(spark, settings(stale, rescored, "classify.weights.enabled=false"));
    Dataset<Row> out = spark.read().parquet(rescored + "/" + ClassifyJob.SCORED);
    assertEquals(List.of(spark.read().parquet(stale).columns()), List.of(out.columns()),
        "the same columns, quality_score and sample_weight once each, at the end");
    assertEquals(30, out.count(), "every kept article scores above the threshold again");
    assertEquals(scores(spark.read().parquet(classified + "/" + ClassifyJob.SCORED)), scores(out));
    assertEquals(List.of(1.0), out.select(QualityModel.SAMPLE_WEIGHT).distinct()
        .as(org.apache.spark.sql.Encoders.DOUBLE()).collectAsList());
  }

  private static Map<String, Double> scores(Dataset<Row> scored) {
    Map<String, Double> byId = new TreeMap<>();
    for (Row r : scored.select(DocumentSchema.DOC_ID, QualityModel.QUALITY_SCORE).collectAsList()) {
      byId.put(r.getString(0), r.getDouble(1));
    }
    return byId;
  }

  private static StructField field(Dataset<Row> data, String name) {
    return data.schema().apply(name);
  }
}
