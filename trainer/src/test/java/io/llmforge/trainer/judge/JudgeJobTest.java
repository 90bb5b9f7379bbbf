package io.llmforge.trainer.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.rephrase.RephraseBackend;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.preference.PreferenceFormat;
import io.llmforge.trainer.preference.PreferenceRow;
import io.llmforge.trainer.reward.RetrainSettings;
import io.llmforge.trainer.reward.RewardRetrainJob;
import io.llmforge.trainer.sft.BadConversation;
import io.llmforge.trainer.sft.Message;
import io.llmforge.trainer.sft.SftFixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The judge job against a real local HTTP server that throttles, fails and answers garbage. */
class JudgeJobTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static JudgeSettings settings(JudgeServer server, Path in, Path out, Path inbox) {
    return JudgeSettings.from(JobConfig.load("judge", List.of("judge"), List.of(), List.of(
        "judge.input=[\"" + in + "\"]", "judge.output=\"" + out + "\"", "judge.inbox=\"" + inbox + "\"",
        "judge.openai.endpoint=\"" + server.endpoint() + "\"", "judge.openai.model=judge-model",
        "judge.openai.api-key-env=\"\"", "judge.max-retries=3", "judge.initial-backoff-ms=1",
        "judge.max-backoff-ms=20", "judge.requests-per-second=0")));
  }

  static Path pairs(Path dir) throws Exception {
    Path in = dir.resolve("pairs.jsonl");
    Files.writeString(in, String.join("\n",
        "{\"prompt\": \"Q1: what is tea?\", \"answers\": [\"Tea is good to drink.\", \"Tea is a leaf.\"]}",
        "{\"prompt\": [{\"role\": \"user\", \"content\": \"Q2: what is rain?\"}], "
            + "\"answers\": [\"Rain is wet.\", \"Rain is good for plants.\"]}",
        "{\"prompt\": \"Q3 BIASED\", \"answers\": [\"one\", \"two\"]}",
        "{\"prompt\": \"Q4 TIED\", \"answers\": [\"one\", \"two\"]}",
        "{\"prompt\": \"Q5 RAMBLE\", \"answers\": [\"one\", \"two\"]}",
        "{\"prompt\": \"Q6 FAILME\", \"answers\": [\"one\", \"two\"]}",
        "{\"prompt\": \"Q7 GARBLED\", \"answers\": [\"one\", \"two\"]}",
        "{\"prompt\": \"Q8\", \"answers\": [\"same\", \"same \"]}",
        "not json") + "\n");
    return in;
  }

  @Test
  void judgesBothOrdersThroughThrottlingAndErrorsAndRmRetrainReadsThePreferences(@TempDir Path dir) throws Exception {
    Path in = pairs(dir);
    Path inbox = dir.resolve("inbox");
    Instant before = Instant.now().minusSeconds(1);
    try (JudgeServer server = new JudgeServer()) {
      JobStats stats = JudgeJob.run(SftFixtures.spark(), settings(server, in, dir.resolve("judged"), inbox));
      assertEquals(9L, stats.get("input_rows"));
      assertEquals(2L, stats.get("preferences"));
      assertEquals(Map.of(PairJudgement.DISAGREEMENT, 1L, PairJudgement.TIE, 1L, PairJudgement.UNPARSEABLE, 1L,
          PairJudgement.FAILED_REQUEST, 2L, PreferenceFormat.IDENTICAL_ANSWERS, 1L, BadConversation.INVALID_JSON, 1L),
          stats.get("rejects_by_reason"), stats.toJson());
      assertEquals(4L, stats.get("failed_requests"), "FAILME's after the retries, GARBLED's at once");
      assertTrue(server.throttled.get() >= 10 && server.serverErrors.get() >= 10, "429 then 500 for every question");
      @SuppressWarnings("unchecked")
      Map<String, Object> counters = (Map<String, Object>) stats.get("backend_counters");
      assertTrue(((Number) counters.get("retries")).longValue() >= 20, counters.toString());
      assertEquals(2L, ((Number) counters.get("failed_bad_response")).longValue(), counters.toString());

      List<Path> files = visible(inbox);
      assertEquals(1, files.size(), "one new file in the inbox: " + files);
      assertTrue(files.get(0).getFileName().toString().matches("judge-[0-9a-f]{16}\\.jsonl"), files.toString());
      assertEquals(files.get(0).toUri().getPath(), Path.of(java.net.URI.create(stats.get("inbox_file").toString()))
          .toString());
      List<PreferenceRow.Pair> rows = new ArrayList<>();
      for (String line : Files.readAllLines(files.get(0))) {
        rows.add((PreferenceRow.Pair) PreferenceFormat.AUTO.parse(JSON.readTree(line)));
      }
      assertEquals(2, rows.size());
      for (PreferenceRow.Pair p : rows) {
        assertEquals("ai-judge", p.source());
        assertTrue(p.createdAt().isAfter(before) && p.createdAt().isBefore(Instant.now()), p.createdAt().toString());
        assertTrue(p.chosen().contains("good") && !p.rejected().contains("good"), p.toString());
      }
      assertEquals(Instant.parse(stats.get("created_at").toString()), rows.get(0).createdAt());

      // rm-retrain reads the inbox: the judge's rows are new pairs (too few to train on here)
      Path base = SftFixtures.base(dir);
      RetrainSettings retrain = RetrainSettings.from(JobConfig.load("rm-retrain", List.of("rm-train", "rm-retrain"),
          List.of(), List.of("rm-train.base=\"" + base + "\"", "rm-train.output=\"" + dir.resolve("rm") + "\"",
              "rm-retrain.input=[\"" + inbox + "\"]", "rm-retrain.min-new-pairs=1000")));
      JobStats picked = RewardRetrainJob.run(SftFixtures.spark(), retrain,
          new PrintStream(new ByteArrayOutputStream()));
      assertEquals("nothing_to_do", picked.get("decision"));
      assertEquals(2L, picked.get("new_pairs"), "both judged pairs count as new: " + picked.toJson());
    }
  }

  @Test
  void anEndpointThatAnswersGarbageGivesNoVerdictAndTheJudgeCarriesOn() throws Exception {
    try (JudgeServer server = new JudgeServer()) {
      server.garbage = true;
      JudgeSettings s = settings(server, Path.of("in"), Path.of("out"), Path.of("inbox"));
      JudgePrompt prompt = s.prompt();
      List<Message> q = List.of(Message.user("What is tea?"));
      try (RephraseBackend client = JudgeJob.backends(s).create(s.backendForTask())) {
        List<String> replies = client.rephrase(List.of(prompt.request(s.model(), q, "good", "bad"),
            prompt.request(s.model(), q, "bad", "good")));
        assertEquals(Arrays.asList(null, null), replies, "no reply, no exception");
        assertEquals(2L, client.counters().get("failed_bad_response"));
      }
      assertEquals(PairJudgement.FAILED_REQUEST, PairJudgement.of(Verdict.parse(null), Verdict.parse(null)).reason());
    }
  }

  private static List<Path> visible(Path folder) throws Exception {
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList();
    }
  }
}
