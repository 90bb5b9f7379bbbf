package io.llmforge.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The source formats on the real files they were made for. */
class SharedDataSourcesTest {

  @Test
  void readsTheSpamAssassinArchiveByFolder() {
    Path data = SharedData.require("quality/spam-assassin");
    String tar = data.resolve("quality/spam-assassin/spamassassin-ham-spam-txt.tar.gz").toString();
    SparkSession spark = TestSpark.session();
    long ham = TrainingSources.read(spark, TextSource.parseList("[{format = tar, path = \"" + tar + "\", "
        + "entries = \"*ham*/**\", min-chars = 0}]").get(0)).count();
    long spam = TrainingSources.read(spark, TextSource.parseList("[{format = tar, path = \"" + tar + "\", "
        + "entries = \"**\", where = \"entry LIKE 'spam%'\", mail-body-only = true, min-chars = 0}]").get(0)).count();
    assertEquals(4150, ham, "easy-ham-1 2500 + easy-ham-2 1400 + hard-ham-1 250");
    assertEquals(1896, spam, "spam-1 500 + spam-2 1396");
  }

  @Test
  void readsTheJigsawCsvWithQuotedMultiLineComments() {
    Path data = SharedData.require("quality/jigsaw-sample/train.csv");
    String csv = data.resolve("quality/jigsaw-sample/train.csv").toString();
    SparkSession spark = TestSpark.session();
    String common = "format = csv, text-field = comment_text, min-chars = 0, path = \"" + csv + "\"";
    long toxic = TrainingSources.read(spark, TextSource.parseList("[{" + common + ", where = \"toxic = 1\"}]").get(0))
        .count();
    long all = TrainingSources.read(spark, TextSource.parseList("[{" + common + "}]").get(0)).count();
    assertEquals(28, toxic);
    assertEquals(282, all);
  }

  @Test
  void cutsWikipediaArticlesIntoChunksGroupedByArticle(@TempDir Path elsewhere) throws IOException {
    Path data = SharedData.require("text/wiki_demo.txt");
    SparkSession spark = TestSpark.session();
    var chunks = TrainingSources.read(spark, wikiAt(data.resolve("text/wiki_demo.txt"))).cache();
    long articles = chunks.select(TrainingSources.SPLIT_KEY).distinct().count();
    assertEquals(30, articles, "wiki_demo.txt has one article per line");
    Row lengths = chunks.selectExpr("min(length(text))", "max(length(text))", "count(*)").first();
    assertTrue(lengths.getInt(0) >= 200 && lengths.getInt(1) <= 2500, "chunk lengths " + lengths);
    assertTrue(lengths.getLong(2) > 400, "chunks: " + lengths.getLong(2));
    // The same file seen from another checkout: the split keys (so the train/test split) must not change.
    Path link = Files.createSymbolicLink(elsewhere.resolve("shared"), data.toAbsolutePath());
    List<String> here = chunks.select(TrainingSources.SPLIT_KEY).orderBy(TrainingSources.SPLIT_KEY)
        .as(Encoders.STRING()).collectAsList();
    List<String> there = TrainingSources.read(spark, wikiAt(link.resolve("text/wiki_demo.txt")))
        .select(TrainingSources.SPLIT_KEY).orderBy(TrainingSources.SPLIT_KEY).as(Encoders.STRING()).collectAsList();
    assertEquals(here, there, "split keys depend on the text only, not on where the file lies");
  }

  private static TextSource wikiAt(Path file) {
    return TextSource.parseList("[{format = text-paragraphs, chunk-chars = 2000, path = \"" + file + "\"}]").get(0);
  }
}
