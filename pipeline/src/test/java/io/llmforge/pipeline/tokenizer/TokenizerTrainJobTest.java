package io.llmforge.pipeline.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.demo.SyntheticText;
import io.llmforge.pipeline.shards.TestDocuments;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTrainJobTest {
  @Test
  void trainsFromDocumentsParquetAndWritesTokenizerJson(@TempDir Path dir) throws Exception {
    SparkSession spark = TestSpark.session();
    SyntheticText text = new SyntheticText(3);
    List<TestDocuments.Doc> docs = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      docs.add(TestDocuments.Doc.of("t" + i, "x.warc", text.article(3).text() + " 東京 😀 " + i));
    }
    String input = dir.resolve("docs").toString();
    TestDocuments.write(spark, input, docs, false, false, 3);
    String output = dir.resolve("tok").toString();
    TokenizerTrainSettings settings = TokenizerTrainSettings.from(JobConfig.load("tokenizer-train",
        List.of("tokenizer-train"), List.of(), List.of("tokenizer-train.input=[\"" + input + "\"]",
            "tokenizer-train.output=\"" + output + "\"", "tokenizer-train.vocab-size=600",
            "tokenizer-train.max-distinct-pre-tokens=1000")));

    JobStats stats = TokenizerTrainJob.run(spark, settings);
    ByteLevelBpe tokenizer = TokenizerJson.read(Files.readString(dir.resolve("tok/tokenizer.json")));
    assertEquals(600, tokenizer.vocabSize());
    assertEquals(600, ((Number) stats.get("vocab_size")).intValue());
    assertEquals(Sha256.hex(Files.readAllBytes(dir.resolve("tok/tokenizer.json"))), stats.get("tokenizer_sha256"));
    assertTrue((Double) stats.get("bytes_per_token_on_kept_pre_tokens") > 2.5, "merges compress English");
    for (TestDocuments.Doc d : docs.subList(0, 5)) {
      assertEquals(d.text(), tokenizer.decode(tokenizer.encode(d.text())));
    }
    assertTrue(Files.exists(dir.resolve("tok/_SUCCESS")));
    assertEquals(true, TokenizerTrainJob.run(spark, settings).get("skipped"));
  }
}
