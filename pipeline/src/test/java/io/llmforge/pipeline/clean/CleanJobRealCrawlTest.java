package io.llmforge.pipeline.clean;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clean job on real crawl files from ../shared/data/crawl: WARC 1.0, legacy WARC 0.17, ARC, WET and WAT from
 * the British Library, Common Crawl, the Internet Archive and Dolma's tests; plus real extracted text
 * (../shared/data/text: C4 and Dolma's cleaned Common Crawl as JSONL) in the same run, for paragraph dedup.
 */
class CleanJobRealCrawlTest {

  static Path sharedData() {
    String prop = System.getProperty("llmforge.shared.data");
    return prop != null ? Path.of(prop) : Path.of("../shared/data");
  }

  @Test
  void realCrawlFilesAreCleanedWithEveryRecordAccountedFor(@TempDir Path dir) {
    Path crawl = sharedData().resolve("crawl");
    Path text = sharedData().resolve("text");
    Assumptions.assumeTrue(Files.isDirectory(crawl) && Files.isDirectory(text),
        crawl + " or " + text + " absent: real-crawl test skipped");
    SparkSession spark = TestSpark.session();
    JobStats stats = CleanJob.run(spark, CleanSettings.from(JobConfig.load("clean", List.of("clean"), List.of(),
        List.of("clean.input=[\"" + crawl + "\", \"" + text.resolve("c4_demo.jsonl") + "\", \""
                + text.resolve("dolma-cc") + "\"]", "clean.output=\"" + dir.resolve("out") + "\"",
            // CCNet's setting: a real line repeated on two pages is removed from the later one. The default (5) is
            // for corpora with near-dedup after clean, and these files hold too few pages per site to reach it.
            "clean.language.allowed=[]", "clean.paragraph-dedup.max-occurrences=1"))));
    System.out.println("PARA " + stats.toJson());
    Dataset<Row> documents = spark.read().parquet(dir.resolve("out/documents").toString()).cache();
    Dataset<Row> rejects = spark.read().parquet(dir.resolve("out/rejects").toString()).cache();
    long input = stats.getLong("input");
    assertEquals(input, documents.count() + rejects.count());
    assertTrue(input > 800, "every capture of every file and every JSONL row is input: " + input);
    assertTrue(documents.count() >= 40, "real pages survive: " + documents.count());
    // Each format contributes documents: gov.uk WARC, Dolma WARC, the legacy ARC, and the WET conversion record.
    for (String file : List.of("ukwa-govuk", "dolma-sample", "aut-example.arc", "cc-whirlwind.warc.wet")) {
      assertTrue(documents.filter(col("source").contains(file)).count()
          + rejects.filter(col("source").contains(file)).filter(col("reject_stage").notEqual("ingest")).count() > 0,
          file + " was read and extracted");
    }
    assertTrue(documents.filter(col("text").contains("<div")).count() == 0, "no markup left in text");
    paragraphDedupHolds(stats, documents, rejects);
  }

  /**
   * Paragraph dedup on real text: what it leaves never repeats a line in more documents than allowed, C4 (whose
   * own pipeline already dropped repeated lines) loses nothing, and stats.json counts every removal.
   */
  private static void paragraphDedupHolds(JobStats stats, Dataset<Row> documents, Dataset<Row> rejects) {
    @SuppressWarnings("unchecked")
    Map<String, Object> paragraphs = (Map<String, Object>) stats.get("paragraph_dedup");
    int max = ((Number) paragraphs.get("max_occurrences")).intValue();
    Map<Long, Integer> documentsPerLine = new HashMap<>();
    for (String t : documents.select("text").as(Encoders.STRING()).collectAsList()) {
      for (long key : Paragraphs.keys(t, DedupUnit.LINE)) {
        documentsPerLine.merge(key, 1, Integer::sum);
      }
    }
    int most = documentsPerLine.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    assertTrue(most <= max, "a line left in " + most + " documents > " + max + ": " + paragraphs);
    long removed = ((Number) paragraphs.get("units_removed")).longValue();
    assertTrue(removed > 0 && ((Number) paragraphs.get("repeated_units")).longValue() > 0,
        "real crawls repeat site boilerplate that extraction keeps: " + paragraphs);
    String sum = "coalesce(sum(quality_signals['" + ParagraphDedup.REMOVED_UNITS + "']), 0)";
    assertEquals(removed, (long) (documents.selectExpr(sum).first().getDouble(0)
        + rejects.selectExpr(sum).first().getDouble(0)), "stats.json sums the per-document removals");
    Dataset<Row> c4 = documents.filter(col("source").contains("c4_demo"));
    assertTrue(c4.count() > 100, "C4 documents pass the filters");
    assertEquals(0.0, c4.selectExpr(sum).first().getDouble(0), "C4 was line-deduplicated upstream");
  }
}
