package io.llmforge.pipeline.clean;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clean job on real crawl files from ../shared/data/crawl: WARC 1.0, legacy WARC 0.17, ARC, WET and WAT from
 * the British Library, Common Crawl, the Internet Archive and Dolma's tests.
 */
class CleanJobRealCrawlTest {

  static Path crawlDir() {
    String prop = System.getProperty("llmforge.shared.data");
    Path base = prop != null ? Path.of(prop) : Path.of("../shared/data");
    return base.resolve("crawl");
  }

  @Test
  void realCrawlFilesAreCleanedWithEveryRecordAccountedFor(@TempDir Path dir) {
    Path crawl = crawlDir();
    Assumptions.assumeTrue(Files.isDirectory(crawl), crawl + " absent: real-crawl test skipped");
    SparkSession spark = TestSpark.session();
    JobStats stats = CleanJob.run(spark, CleanSettings.from(JobConfig.load("clean", List.of("clean"), List.of(),
        List.of("clean.input=[\"" + crawl + "\"]", "clean.output=\"" + dir.resolve("out") + "\"",
            "clean.language.allowed=[]"))));
    Dataset<Row> documents = spark.read().parquet(dir.resolve("out/documents").toString());
    Dataset<Row> rejects = spark.read().parquet(dir.resolve("out/rejects").toString());
    long input = stats.getLong("input");
    assertEquals(input, documents.count() + rejects.count());
    assertTrue(input > 500, "every capture of every file is input: " + input);
    assertTrue(documents.count() >= 40, "real pages survive: " + documents.count());
    // Each format contributes documents: gov.uk WARC, Dolma WARC, the legacy ARC, and the WET conversion record.
    for (String file : List.of("ukwa-govuk", "dolma-sample", "aut-example.arc", "cc-whirlwind.warc.wet")) {
      assertTrue(documents.filter(col("source").contains(file)).count()
          + rejects.filter(col("source").contains(file)).filter(col("reject_stage").notEqual("ingest")).count() > 0,
          file + " was read and extracted");
    }
    assertTrue(documents.filter(col("text").contains("<div")).count() == 0, "no markup left in text");
  }
}
