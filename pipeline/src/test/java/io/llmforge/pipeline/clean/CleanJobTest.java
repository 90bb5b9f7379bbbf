package io.llmforge.pipeline.clean;

import static io.llmforge.pipeline.spark.DocumentSchema.REJECT_REASON;
import static io.llmforge.pipeline.spark.DocumentSchema.REJECT_STAGE;
import static io.llmforge.pipeline.spark.DocumentSchema.TEXT;
import static io.llmforge.pipeline.spark.DocumentSchema.URL;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.demo.DemoCrawl;
import io.llmforge.pipeline.spark.DocumentSchema;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The clean job end to end on a real local Spark, reading a generated crawl and writing real Parquet. */
class CleanJobTest {
  @TempDir
  static Path dir;
  static DemoCrawl.Summary crawl;
  static JobStats stats;
  static Dataset<Row> documents;
  static Dataset<Row> rejects;

  @BeforeAll
  static void runJob() throws Exception {
    crawl = new DemoCrawl(7).write(dir.resolve("crawl"), 60);
    SparkSession spark = TestSpark.session();
    CleanSettings settings = CleanSettings.from(JobConfig.load("clean", List.of("clean"), List.of(), List.of(
        "clean.input=[\"" + dir.resolve("crawl") + "\"]",
        "clean.output=\"" + dir.resolve("out") + "\"",
        "clean.max-page-bytes=1MiB",
        "clean.pii.enabled=true")));
    stats = CleanJob.run(spark, settings);
    documents = spark.read().parquet(dir.resolve("out/documents").toString()).cache();
    rejects = spark.read().parquet(dir.resolve("out/rejects").toString()).cache();
  }

  @Test
  void documentsPlusRejectsEqualsInput() {
    long input = stats.getLong("input");
    assertEquals(input, documents.count() + rejects.count());
    assertEquals(input, stats.getLong("documents") + stats.getLong("rejects"));
    assertTrue(Files.exists(dir.resolve("out/_SUCCESS")));
    assertTrue(Files.exists(dir.resolve("out/stats.json")));
  }

  @Test
  void schemasAreTheContract() {
    assertEquals(DocumentSchema.DOCUMENTS.fieldNames().length, documents.schema().fields().length);
    DocumentSchema.requireDocumentColumns(documents.schema(), "documents");
    DocumentSchema.requireDocumentColumns(rejects.schema(), "rejects");
    assertTrue(List.of(rejects.columns()).containsAll(List.of(REJECT_STAGE, REJECT_REASON)));
  }

  @Test
  void mostGoodArticlesAreKeptWithoutBoilerplate() {
    long kept = documents.filter(col(URL).contains("/articles/")).count();
    assertTrue(kept >= crawl.articles() * 0.9, "kept " + kept + " of " + crawl.articles() + " articles");
    for (Row row : documents.filter(col(URL).contains("/articles/")).limit(20).collectAsList()) {
      String text = row.getAs(TEXT);
      assertFalse(text.contains("We use cookies"), text);
      assertFalse(text.contains("Read more: story number"), text);
      assertFalse(text.contains("All rights reserved"), text);
      assertFalse(text.contains("dataLayer"), text);
    }
  }

  @Test
  void inArticleBoilerplateIsRemovedByParagraphDedupAndEveryRemovalIsCounted() {
    assertEquals(1, documents.filter(col(TEXT).contains(DemoCrawl.NEWSLETTER)).count(),
        "keep-first: one document keeps the newsletter plug that half the articles carry");
    assertEquals(1, documents.filter(col(TEXT).contains(DemoCrawl.CORRECTIONS)).count());
    @SuppressWarnings("unchecked")
    Map<String, Object> paragraphs = (Map<String, Object>) stats.get("paragraph_dedup");
    long removed = ((Number) paragraphs.get("units_removed")).longValue();
    assertTrue(removed >= crawl.newsletterArticles() * 0.8, paragraphs.toString());
    String sum = "coalesce(sum(quality_signals['" + ParagraphDedup.REMOVED_UNITS + "']), 0)";
    double perDocument = documents.selectExpr(sum).first().getDouble(0) + rejects.selectExpr(sum).first().getDouble(0);
    assertEquals(removed, (long) perDocument, "stats.json sums the per-document signals");
    assertTrue(paragraphs.get("most_repeated").toString().contains(DemoCrawl.NEWSLETTER), paragraphs.toString());
  }

  @Test
  void emojiSurviveTheWholePipeline() {
    assertTrue(documents.filter(col(TEXT).contains("😀🌉")).count() > 0);
    assertTrue(documents.filter(col(TEXT).contains("crème brûlée for 5 € → worth it!")).count() > 0);
  }

  @Test
  void everyKindOfJunkIsRejectedAtItsStage() {
    Map<String, Long> byStage = rejectCounts(REJECT_STAGE);
    assertEquals((long) crawl.foreign(), rejects.filter(col(URL).rlike("example\\.(fr|de|es)/")).count());
    assertEquals(crawl.foreign(), rejects.filter(col(URL).rlike("example\\.(fr|de|es)/"))
        .filter(col(REJECT_STAGE).equalTo("language")).count());
    assertEquals(crawl.adult(), rejects.filter(col(URL).contains("xxx-cams")).filter(col(REJECT_STAGE).equalTo("harmful"))
        .count());
    assertEquals(0, documents.filter(col(URL).rlike("links\\.example|short\\.example|spam\\.example")).count(),
        "link farms, stubs and repetitive spam never reach documents");
    assertTrue(byStage.getOrDefault("exact_dedup", 0L) > 0, byStage.toString());
    assertEquals(0, documents.filter(col(URL).contains("/copy/")).count(),
        "an exact copy never survives: its earlier original is kept, or rejected for the same text");
    assertTrue(rejects.filter(col(REJECT_REASON).startsWith("invalid_encoding")).count() >= 2, "one garbled page per shard");
    assertTrue(rejects.filter(col(REJECT_REASON).startsWith("oversized_page")).count() >= 2);
    assertEquals(1, rejects.filter(col(REJECT_REASON).startsWith("truncated_input")).count());
    assertEquals(1, rejects.filter(col(REJECT_REASON).startsWith("empty_file")).count());
    assertEquals(crawl.jsonlBad(), rejects.filter(col(REJECT_REASON).startsWith("malformed_record")).count());
    assertEquals(crawl.nonHtml(), rejects.filter(col(REJECT_REASON).startsWith("unsupported_content_type")).count());
    assertEquals(crawl.httpErrors(), rejects.filter(col(REJECT_REASON).startsWith("http_status")).count());
  }

  @Test
  void exactDuplicatesNameTheirSurvivor() {
    List<Row> dupes = rejects.filter(col(REJECT_STAGE).equalTo("exact_dedup")).collectAsList();
    List<String> keptIds = documents.select("doc_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    for (Row r : dupes) {
      String survivor = r.<String>getAs(REJECT_REASON).substring("duplicate_of: ".length());
      assertTrue(keptIds.contains(survivor), "survivor " + survivor + " is a kept document");
    }
    assertEquals(documents.count(), documents.select("content_sha1").distinct().count(), "no exact duplicates remain");
  }

  @Test
  void qualitySignalsAreStoredForKeptAndRejectedDocuments() {
    Row kept = documents.first();
    Map<String, Double> signals = kept.getJavaMap(kept.fieldIndex("quality_signals"));
    assertTrue(signals.size() >= 20, signals.keySet().toString());
    Row rejectedByQuality = rejects.filter(col(REJECT_STAGE).equalTo("gopher")).first();
    Map<String, Double> rejectedSignals = rejectedByQuality.getJavaMap(rejectedByQuality.fieldIndex("quality_signals"));
    assertTrue(rejectedSignals.size() >= 20, rejectedSignals.keySet().toString());
  }

  @Test
  void piiIsMasked() {
    assertEquals(0, documents.filter(col(TEXT).contains(DemoCrawl.CONTACT_EMAIL)).count());
    assertEquals(0, documents.filter(col(TEXT).contains(DemoCrawl.CONTACT_IP)).count());
    assertTrue(documents.filter(col(TEXT).contains("Readers can write to the editors at")).count() > 0,
        "the sentence stays, only the address is masked");
  }

  @Test
  void aFinishedOutputIsSkippedOnRerun() {
    CleanSettings again = CleanSettings.from(JobConfig.load("clean", List.of("clean"), List.of(), List.of(
        "clean.input=[\"" + dir.resolve("crawl") + "\"]", "clean.output=\"" + dir.resolve("out") + "\"")));
    JobStats second = CleanJob.run(TestSpark.session(), again);
    assertEquals(true, second.get("skipped"));
  }

  private static Map<String, Long> rejectCounts(String column) {
    Map<String, Long> out = new java.util.TreeMap<>();
    for (Row r : rejects.groupBy(column).count().collectAsList()) {
      out.put(r.getString(0), r.getLong(1));
    }
    return out;
  }
}
