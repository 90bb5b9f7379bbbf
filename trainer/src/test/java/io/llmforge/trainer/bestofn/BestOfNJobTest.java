package io.llmforge.trainer.bestofn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.judge.CandidatePair;
import io.llmforge.trainer.sft.BadConversation;
import io.llmforge.trainer.sft.ConversationFormat;
import io.llmforge.trainer.sft.Message;
import io.llmforge.trainer.sft.SftFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BestOfNJobTest {

  static BestOfNSettings settings(Path in, Path policy, Path rm, Path out) {
    return BestOfNSettings.from(JobConfig.load("best-of-n", List.of("best-of-n"), List.of(), List.of(
        "best-of-n.input=[\"" + in + "\"]", "best-of-n.policy=\"" + policy + "\"",
        "best-of-n.reward-model=\"" + rm + "\"", "best-of-n.output=\"" + out + "\"", "best-of-n.n=4",
        "best-of-n.max-new-tokens=8", "best-of-n.require-stop=false")));
  }

  @Test
  void writesEachPromptsFavouriteAsAConversationAndRejectsWhatIsNoPrompt(@TempDir Path dir) throws Exception {
    Path policy = BestOfNFixtures.policy(dir);
    Path rm = BestOfNFixtures.rewardModel(dir, policy);
    Path in = dir.resolve("prompts.jsonl");
    Files.writeString(in, String.join("\n",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"What is the capital of France?\"}, "
            + "{\"role\": \"assistant\", \"content\": \"an old answer, dropped\"}]}",
        "{\"prompt\": \"Tell me a joke.\"}",
        "{\"instruction\": \"Translate hello into French.\"}",
        "{\"messages\": [{\"role\": \"assistant\", \"content\": \"no question\"}]}",
        "not json") + "\n");
    SparkSession spark = SftFixtures.spark();
    Path out = dir.resolve("best");
    JobStats stats = BestOfNJob.run(spark, settings(in, policy, rm, out));
    assertEquals(5L, stats.get("input_rows"));
    assertEquals(3L, stats.get("chosen"));
    assertEquals(12L, stats.get("answers_sampled"));
    assertEquals(Map.of(BadConversation.TURN_ORDER, 1L, BadConversation.INVALID_JSON, 1L),
        stats.get("rejects_by_reason"));
    assertTrue(stats.number("mean_reward_best_of_n") >= stats.number("mean_reward_best_of_1"), stats.toJson());

    Map<String, Row> chosen = rows(spark, out.resolve(BestOfNJob.CHOSEN));
    List<Row> candidates = spark.read().parquet(out.resolve(BestOfNJob.CANDIDATES).toString()).collectAsList();
    assertEquals(12, candidates.size());
    for (Row c : candidates.stream().filter(c -> c.<Integer>getAs("rank") == 1).toList()) {
      Row row = chosen.get(c.<String>getAs("id"));
      List<Row> messages = row.getList(row.fieldIndex("messages"));
      Row last = messages.get(messages.size() - 1);
      assertEquals("assistant", last.getString(0));
      assertEquals(c.<String>getAs("answer"), last.getString(1), "the rank-1 candidate is the chosen answer");
      assertEquals(c.<Double>getAs("reward"), row.<Double>getAs("reward"));
      double max = candidates.stream().filter(x -> x.<String>getAs("id").equals(c.<String>getAs("id")))
          .mapToDouble(x -> x.<Double>getAs("reward")).max().orElseThrow();
      assertEquals(max, row.<Double>getAs("reward"), "the reward model's favourite");
    }
    // chosen/ is conversations as sft-prepare reads them (Parquet rows become their JSON)
    for (String json : spark.read().parquet(out.resolve(BestOfNJob.CHOSEN).toString()).toJSON().collectAsList()) {
      List<Message> m = ConversationFormat.AUTO.parse(new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(json)).messages();
      assertEquals(Message.ASSISTANT, m.get(m.size() - 1).role());
      assertTrue(m.stream().noneMatch(x -> x.content().equals("an old answer, dropped")));
    }
    // pairs/ is what the judge reads: the favourite first
    List<String> pairs = spark.read().parquet(out.resolve(BestOfNJob.PAIRS).toString()).toJSON().collectAsList();
    assertEquals(stats.getLong("pairs"), pairs.size());
    for (String json : pairs) {
      var row = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
      CandidatePair pair = CandidatePair.parse(row);
      assertEquals(chosen.get(row.path("id").asText()).<Double>getAs("reward"), row.path("rewards").get(0).asDouble());
      assertTrue(row.path("rewards").get(0).asDouble() >= row.path("rewards").get(1).asDouble(), json);
      assertEquals(Message.USER, pair.prompt().get(pair.prompt().size() - 1).role());
    }
  }

  private static Map<String, Row> rows(SparkSession spark, Path folder) {
    return spark.read().parquet(folder.toString()).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.<String>getAs("id"), r -> r));
  }
}
