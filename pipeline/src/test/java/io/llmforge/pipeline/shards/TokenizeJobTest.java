package io.llmforge.pipeline.shards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.demo.SyntheticText;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.TestSpark;
import io.llmforge.pipeline.tokenizer.BpeTrainer;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.PreTokenizer;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.pipeline.tokenizer.IntList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizeJobTest {
  @TempDir
  static Path dir;
  static SparkSession spark;
  static ByteLevelBpe tokenizer;
  static List<TestDocuments.Doc> docs = new ArrayList<>();

  @BeforeAll
  static void setUp() throws Exception {
    spark = TestSpark.session();
    SyntheticText text = new SyntheticText(5);
    for (int i = 0; i < 40; i++) {
      String id = String.format("doc%02d", i);
      Double weight = i == 0 ? 3.0 : i == 1 ? 0.0 : 1.0;
      docs.add(new TestDocuments.Doc(id, i % 3 == 0 ? "a.warc" : "b.warc",
          id + ": " + text.paragraph("harbour", 3), weight, null));
    }
    docs.add(new TestDocuments.Doc("doc05-r", "a.warc", "doc05-r: a rephrased version of document five.", 1.0, "doc05"));
    TestDocuments.write(spark, dir.resolve("docs").toString(), docs, true, true, 3);
    tokenizer = new BpeTrainer(PreTokenizer.Kind.GPT4, SpecialTokens.ALL, 400, 2)
        .trainOnText(docs.stream().map(TestDocuments.Doc::text).toList()).tokenizer();
    Files.writeString(dir.resolve("tokenizer.json"), TokenizerJson.write(tokenizer));
  }

  private static TokenizeSettings settings(String output) {
    return new TokenizeSettings(List.of(dir.resolve("docs").toString()), dir.resolve("tokenizer.json").toString(),
        dir.resolve(output).toString(), false, 7, 0.2, 7, 50, "text", "sample_weight", 4, "source", 50);
  }

  @Test
  void writesShardsManifestAndTokenizer() throws Exception {
    JobStats stats = TokenizeJob.run(spark, settings("shards"));
    Path out = dir.resolve("shards");
    Configuration conf = new Configuration();
    ShardManifest manifest = ShardManifest.read(conf, out.toString());
    manifest.verifyAgainst(tokenizer);
    manifest.verifyAgainst(TokenizerJson.read(Files.readString(out.resolve("tokenizer.json"))));
    manifest.verifyFiles(conf, out.toString());
    assertEquals(8, manifest.rowLength());
    assertTrue(Files.exists(out.resolve("_SUCCESS")));

    ShardManifest.Split train = manifest.splits().get("train");
    ShardManifest.Split val = manifest.splits().get("val");
    assertEquals(40, train.documents() + val.documents(), "41 in, one with weight 0");
    assertEquals(42, train.copies() + val.copies(), "doc00 three times");
    assertTrue(val.documents() > 0 && train.documents() > val.documents());
    assertEquals(41L, stats.getLong("input_documents"));
    assertEquals(1L, stats.getLong("documents_weight_zero"));

    Map<String, String> decodedBySplit = new HashMap<>();
    for (ShardManifest.Shard shard : manifest.shards()) {
      assertTrue(shard.file().matches("(train|val)/shard-\\d{5}\\.parquet"), shard.file());
      IntList all = new IntList();
      long rows = 0;
      try (ShardReader reader = new ShardReader(conf, out.resolve(shard.file()).toString(), manifest.rowLength())) {
        while (reader.hasNext()) {
          all.addAll(reader.next());
          rows++;
        }
      }
      assertEquals(shard.rows(), rows);
      decodedBySplit.merge(shard.split(), tokenizer.decode(all.toArray()), String::concat);
    }
    assertTrue(manifest.shardsOf("train").size() > 1, "rows-per-shard splits the train set");
    assertEquals(train.rows(), manifest.shardsOf("train").stream().mapToLong(ShardManifest.Shard::rows).sum());
    assertEquals(train.tokens() - train.rows() * 8, train.droppedTokens());
    String everything = decodedBySplit.values().stream().reduce("", String::concat);
    assertFalse(everything.contains("doc01:"), "weight 0 drops a document");
    // Rows of 8 ids drop at most 7 tokens per shard, all from the end of a document: every document's start survives.
    assertEquals(3, everything.split("doc00:", -1).length - 1, "weight 3 repeats a document");
    assertEquals(1, everything.split("doc17:", -1).length - 1);
    assertTrue(everything.contains("<|endoftext|>doc"), "documents are separated by <|endoftext|>");
    for (String text : decodedBySplit.values()) {
      assertEquals(text.contains("doc05:"), text.contains("doc05-r:"), "a rephrasing stays in its original's split");
    }
    assertEquals("source", manifest.mixtureColumn());
    assertEquals(1.0, manifest.mixture().stream().mapToDouble(ShardManifest.MixtureEntry::share).sum(), 1e-9);
  }

  @Test
  void sameInputAndSeedGiveIdenticalShards() {
    TokenizeJob.run(spark, settings("again-1"));
    TokenizeJob.run(spark, settings("again-2"));
    Configuration conf = new Configuration();
    List<ShardManifest.Shard> a = ShardManifest.read(conf, dir.resolve("again-1").toString()).shards();
    List<ShardManifest.Shard> b = ShardManifest.read(conf, dir.resolve("again-2").toString()).shards();
    assertEquals(a, b);
    JobStats skipped = TokenizeJob.run(spark, settings("again-1"));
    assertEquals(true, skipped.get("skipped"));
  }
}
