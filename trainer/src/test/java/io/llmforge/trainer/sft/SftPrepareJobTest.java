package io.llmforge.trainer.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sft-prepare job on a real local Spark with real files in every format, broken rows among them. */
class SftPrepareJobTest {

  @Test
  void everyRowEndsUpRenderedOrRejectedWithItsReason(@TempDir Path dir) throws Exception {
    SparkSession spark = SftFixtures.spark();
    Path base = SftFixtures.base(dir);
    DemoConversations.Summary demo = new DemoConversations(3).write(dir.resolve("chats"), 60);
    // a Parquet input too: messages as array<struct<role, content>>, written by Spark
    Path parquet = dir.resolve("parquet-in");
    spark.read().json(dir.resolve("chats/messages.jsonl").toString()).filter("messages is not null")
        .select("messages").limit(5).write().parquet(parquet.toString());
    Path out = dir.resolve("prepared");
    JobStats stats = SftPrepareJob.run(spark, SftFixtures.prepare(List.of(dir.resolve("chats"), parquet), base, out,
        "sft-prepare.val-fraction=0.2"));

    long good = demo.rows() + 5;
    assertEquals(good + demo.broken(), ((Number) stats.get("input_rows")).longValue(), stats.toJson());
    assertEquals(good, ((Number) stats.get("train_conversations")).longValue()
        + ((Number) stats.get("val_conversations")).longValue(), "good rows are never lost: " + stats.toJson()
        + spark.read().parquet(out.resolve(SftPrepareJob.REJECTS).toString()).collectAsList());
    assertEquals(good, ((Number) stats.get("train_conversations")).longValue()
        + ((Number) stats.get("val_conversations")).longValue(), "good rows are never lost: " + stats.toJson());
    @SuppressWarnings("unchecked")
    Map<String, Object> reasons = (Map<String, Object>) stats.get("rejects_by_reason");
    for (String reason : List.of(BadConversation.INVALID_JSON, BadConversation.UNKNOWN_ROLE,
        BadConversation.EMPTY_ASSISTANT, ConversationFiles.INVALID_UTF8)) {
      assertEquals(1L, ((Number) reasons.get(reason)).longValue(), reason + " in " + reasons);
    }
    Dataset<Row> rejects = spark.read().parquet(out.resolve(SftPrepareJob.REJECTS).toString());
    assertEquals(demo.broken(), rejects.count());
    assertTrue(rejects.filter("reason = 'unknown_role' and raw like '%tool%'").count() == 1,
        "a reject keeps its raw row");
    assertTrue(Files.exists(out.resolve("_SUCCESS")) && Files.exists(out.resolve(SftPrepareJob.TOKENIZER_FILE)));

    SftManifest manifest = SftManifest.read(new Configuration(), out.toString());
    assertEquals(TestTokenizers.tiny().fingerprint(), manifest.tokenizerSha256());
    assertEquals(129, manifest.maxTokens(), "block 128 + 1");
    List<SftDataset.Example> train = SftDataset.load(new Configuration(), out.toString(), manifest,
        ConversationRenderer.TRAIN);
    List<SftDataset.Example> val = SftDataset.load(new Configuration(), out.toString(), manifest,
        ConversationRenderer.VAL);
    assertEquals(good, train.size() + val.size());
    assertTrue(val.size() > 0 && train.size() > val.size(), train.size() + " train, " + val.size() + " val");
    int end = TestTokenizers.tiny().specialId(SpecialTokens.END);
    long endTargets = 0;
    boolean identityFilled = false;
    for (SftDataset.Example e : train) {
      assertEquals(0, e.mask()[0], "the first token is never a target");
      assertEquals(end, e.tokens()[e.tokens().length - 1], "every row ends with the answer's <|end|>");
      assertEquals(1, e.mask()[e.tokens().length - 1], "... and that <|end|> is a target");
      for (int i = 0; i < e.tokens().length; i++) {
        endTargets += e.tokens()[i] == end && e.mask()[i] == 1 ? 1 : 0;
      }
      String text = TestTokenizers.tiny().decode(e.tokens());
      identityFilled |= text.contains("I am Testbot");
      assertTrue(!text.contains("{{name}}"), "placeholders are filled: " + text);
    }
    assertTrue(identityFilled, "the identity rows say the configured name");
    assertEquals(manifest.split(ConversationRenderer.TRAIN).endTargets(), endTargets);

    JobStats again = SftPrepareJob.run(spark, SftFixtures.prepare(List.of(dir.resolve("chats")), base, out,
        "sft-prepare.overwrite=false"));
    assertEquals(true, again.get("skipped"), "a finished output is not recomputed");
  }

  @Test
  void conversationsTooLongForTheBlockAreTruncatedAtTurnsOrRejected(@TempDir Path dir) throws Exception {
    SparkSession spark = SftFixtures.spark();
    Path base = SftFixtures.base(dir);
    String longAnswer = "The quick brown fox jumps over the lazy dog. ".repeat(16);
    Path file = dir.resolve("long.jsonl");
    Files.writeString(file, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", "
        + "\"content\": \"Hello.\"}, {\"role\": \"user\", \"content\": \"more\"}, {\"role\": \"assistant\", "
        + "\"content\": \"" + longAnswer + "\"}]}\n"
        + "{\"messages\": [{\"role\": \"user\", \"content\": \"tell\"}, {\"role\": \"assistant\", \"content\": \""
        + longAnswer + "\"}]}\n");
    JobStats dropped = SftPrepareJob.run(spark, SftFixtures.prepare(List.of(file), base, dir.resolve("a"),
        "sft-prepare.val-fraction=0"));
    assertEquals(1L, ((Number) dropped.get("train_conversations")).longValue(), dropped.toJson());
    assertEquals(1L, ((Number) dropped.get("dropped_turns")).longValue(), "the long second exchange is dropped");
    JobStats rejected = SftPrepareJob.run(spark, SftFixtures.prepare(List.of(file), base, dir.resolve("b"),
        "sft-prepare.val-fraction=0", "sft-prepare.truncation=reject"));
    assertEquals(0L, ((Number) rejected.get("train_conversations")).longValue(), rejected.toJson());
    assertEquals(2L, ((Number) rejected.get("rejected")).longValue());
  }

  @Test
  void badConfigurationFailsBeforeAnyWorkNamingTheKey() {
    var e = assertThrows(io.llmforge.pipeline.config.ConfigError.class, () -> SftPrepareSettings.from(
        io.llmforge.pipeline.config.JobConfig.load("sft-prepare", List.of("sft-prepare"), List.of(), List.of(
            "sft-prepare.input=[x]", "sft-prepare.base=b", "sft-prepare.output=o", "sft-prepare.format=yaml"))));
    assertTrue(e.getMessage().contains("sft-prepare.format"), e.getMessage());
  }
}
