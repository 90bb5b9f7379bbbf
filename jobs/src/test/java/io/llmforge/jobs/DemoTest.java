package io.llmforge.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.spark.JobStats;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.reward.DemoPreferences;
import io.llmforge.trainer.reward.RewardVersions;
import io.llmforge.trainer.sft.DemoConversations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code llmforge demo} end to end at a tiny size, in process, exactly as a user runs it. */
class DemoTest {

  @Test
  void demoRunsEndToEnd(@TempDir Path dir) throws IOException {
    int code = Llmforge.run("demo", "--workdir", dir.toString(), "--set", "demo.pages=30");
    assertEquals(0, code);
    Path clean = dir.resolve("clean");
    assertTrue(Files.exists(clean.resolve("_SUCCESS")));
    Map<String, Object> stats = JobStats.parse(Files.readString(clean.resolve("stats.json")));
    long input = ((Number) stats.get("input")).longValue();
    long documents = ((Number) stats.get("documents")).longValue();
    long rejects = ((Number) stats.get("rejects")).longValue();
    assertEquals(input, documents + rejects);
    assertTrue(documents >= 27, "most of the 30 generated articles are kept: " + documents);
    @SuppressWarnings("unchecked")
    Map<String, Object> paragraphs = (Map<String, Object>) stats.get("paragraph_dedup");
    // 15 of the 30 articles carry the newsletter plug and 10 the corrections note, and keep-first leaves each in one.
    assertEquals(2L, ((Number) paragraphs.get("repeated_units")).longValue(), paragraphs.toString());
    assertTrue(((Number) paragraphs.get("units_removed")).longValue() >= 20, paragraphs.toString());

    Path dedup = dir.resolve("dedup");
    assertTrue(Files.exists(dedup.resolve("_SUCCESS")));
    Map<String, Object> dedupStats = JobStats.parse(Files.readString(dedup.resolve("stats.json")));
    assertEquals(documents, ((Number) dedupStats.get("documents")).longValue(), "dedup reads clean's output");
    long removed = ((Number) dedupStats.get("removed")).longValue();
    assertTrue(removed >= 1, "the generated crawl's re-templated near-duplicates are removed: " + dedupStats);
    assertEquals(documents - removed, ((Number) dedupStats.get("kept")).longValue());

    Path model = dir.resolve("classify-train");
    assertTrue(Files.exists(model.resolve("_SUCCESS")) && Files.isDirectory(model.resolve("model")));
    Map<String, Object> scored = JobStats.parse(Files.readString(dir.resolve("classify").resolve("stats.json")));
    assertEquals(documents - removed, ((Number) scored.get("input_documents")).longValue(), "classify reads dedup's output");
    long kept = ((Number) scored.get("kept_documents")).longValue();
    assertTrue(kept >= 20, "the generated articles score as reference quality: " + scored);

    Path shards = dir.resolve("tokenize");
    assertTrue(Files.exists(shards.resolve("_SUCCESS")), "the flow ran to the last step");
    assertTrue(Files.exists(shards.resolve("manifest.json")) && Files.exists(shards.resolve("tokenizer.json")));
    Map<String, Object> tokenized = JobStats.parse(Files.readString(shards.resolve("stats.json")));
    assertEquals(kept, ((Number) tokenized.get("input_documents")).longValue(), "tokenize reads classify's output");
    assertEquals(true, tokenized.get("weights_used"), "the best documents are repeated by sample_weight");
    try (var train = Files.list(shards.resolve("train"))) {
      assertTrue(train.anyMatch(p -> p.getFileName().toString().matches("shard-\\d{5}\\.parquet")));
    }

    Path pretrain = dir.resolve("pretrain");
    assertTrue(Files.exists(pretrain.resolve("_SUCCESS")), "pretraining finished");
    Path checkpoint = Checkpoint.resolve(pretrain, System.err);
    assertTrue(Files.isRegularFile(checkpoint.resolve(Checkpoint.MODEL)), "a safetensors checkpoint: " + checkpoint);
    Map<String, Object> trained = JobStats.parse(Files.readString(pretrain.resolve("stats.json")));
    double valLoss = ((Number) trained.get("val_loss")).doubleValue();
    assertTrue(valLoss < Math.log(2048), "the model learned something (val loss " + valLoss + " < ln V)");
    String sample = Files.readString(dir.resolve(DemoCommand.SAMPLE));
    assertTrue(sample.strip().length() > 20, "the demo generates text: " + sample);

    Path prepared = dir.resolve("sft-prepare");
    Map<String, Object> rendered = JobStats.parse(Files.readString(prepared.resolve("stats.json")));
    assertEquals(4L, ((Number) rendered.get("rejected")).longValue(), "the broken rows are rejected: " + rendered);
    assertTrue(Files.isDirectory(prepared.resolve("rejects")) && Files.exists(prepared.resolve("manifest.json")));
    Path sft = dir.resolve("sft");
    Map<String, Object> tuned = JobStats.parse(Files.readString(sft.resolve("stats.json")));
    assertTrue(((Number) tuned.get("val_loss")).doubleValue() < ((Number) tuned.get("val_loss_at_start"))
        .doubleValue() / 2, "SFT more than halves the held-out assistant-token loss: " + tuned);
    assertTrue(tuned.get("base").toString().startsWith(pretrain.toString()), "sft starts from the pretrained model");
    String chat = Files.readString(dir.resolve(DemoCommand.CHAT));
    assertEquals(DemoCommand.CHAT_PROMPTS.size(), chat.lines().filter(l -> l.startsWith("assistant: ")).count(),
        "the demo ends with the fine-tuned model's answers: " + chat);

    Map<String, Object> pairs = JobStats.parse(Files.readString(dir.resolve("pref-prepare/stats.json")));
    assertEquals((long) DemoPreferences.BROKEN, ((Number) pairs.get("rejected")).longValue(), pairs.toString());
    RewardVersions rm = new RewardVersions(dir.resolve("rm-train"));
    assertEquals(List.of(1, 2), rm.versions(), "rm-train made v1, the demo's scheduled retraining v2");
    assertEquals(2, rm.current().orElseThrow(), "v2 passed the gate");
    assertTrue(rm.watermark(2) > rm.watermark(1));
    JsonNode v1 = rm.read(1, RewardVersions.METRICS).path("heldout");
    assertTrue(v1.path("accuracy").asDouble() >= 0.9, "the reward model learns the planted preference: " + v1);
    assertTrue(v1.path("accuracy").asDouble() >= v1.path("baselines").path("longer_answer_wins").path("accuracy")
        .asDouble() + 0.2, v1.toString());
    assertTrue(JobStats.parse(Files.readString(dir.resolve("rm-train/v1/stats.json"))).get("init").toString()
        .startsWith(dir.resolve("sft").toString()), "the reward model starts from the fine-tuned model");
    Map<String, Object> dpo = JobStats.parse(Files.readString(dir.resolve("dpo/stats.json")));
    assertEquals(0.5, ((Number) dpo.get("val_accuracy_at_start")).doubleValue(), 1e-9, dpo.toString());
    assertTrue(((Number) dpo.get("val_accuracy")).doubleValue() >= 0.9, "DPO learns the planted preference: " + dpo);
    assertTrue(dpo.get("base").toString().startsWith(dir.resolve("sft").toString()), "DPO starts from the SFT model");
    assertTrue(((Number) dpo.get("validation_pairs")).intValue() > 0, "a validation split chose the checkpoint: " + dpo);
    assertTrue(Checkpoint.latestGood(dir.resolve("dpo/best"), System.err).isPresent(), "dpo/best holds it");
    assertTrue(((Number) dpo.get("val_accuracy_at_best")).doubleValue() >= 0.9, "the chosen checkpoint: " + dpo);
    Map<String, Object> kto = JobStats.parse(Files.readString(dir.resolve("kto/stats.json")));
    assertEquals(0.5, ((Number) kto.get("val_accuracy_at_start")).doubleValue(), 1e-9, kto.toString());
    assertTrue(((Number) kto.get("val_auc")).doubleValue() >= 0.9, "KTO learns the planted preference from thumbs "
        + "up/down and split pairs: " + kto);
    assertTrue(((Number) pairs.get("unpaired_rows")).longValue() > 0, "the demo's thumbs rows: " + pairs);
    Map<String, Object> grpo = JobStats.parse(Files.readString(dir.resolve("grpo/stats.json")));
    assertEquals(10L, ((Number) grpo.get("rounds")).longValue(), grpo.toString());
    assertTrue(grpo.get("base").toString().startsWith(dir.resolve("sft").toString()), "GRPO starts from the SFT model");
    assertTrue(((Number) grpo.get("eval_accuracy_at_start")).doubleValue() > 0, "SFT on worked tasks gets some "
        + "right, so RL has a signal: " + grpo);
    Map<String, Object> ppo = JobStats.parse(Files.readString(dir.resolve("ppo/stats.json")));
    assertEquals(5L, ((Number) ppo.get("rounds")).longValue(), ppo.toString());
    assertEquals(10L, ((Number) ppo.get("steps")).longValue(), "two PPO epochs per round: " + ppo);
    assertTrue(ppo.get("base").toString().startsWith(dir.resolve("sft").toString()), "PPO starts from the SFT model");
    assertTrue(String.valueOf(ppo.get("judge")).startsWith("llmforge:" + dir.resolve("sft")), "PPO's reward: the SFT "
        + "model as judge: " + ppo);
    @SuppressWarnings("unchecked")
    Map<String, Object> ppoJudge = (Map<String, Object>) ppo.get("judge_counters");
    assertTrue(((Number) ppoJudge.get("questions")).longValue() > 0, "the judge was asked: " + ppo);
    assertEquals(16L + DemoConversations.BROKEN_PROMPTS, ((Number) ppo.get("prompt_rows")).longValue(), "PPO's "
        + "prompts are the user's (the best-of-n prompts): " + ppo);
    Map<?, ?> ppoRejects = (Map<?, ?>) ppo.get("prompt_rejects");
    assertEquals(2, ppoRejects.size(), ppo.toString());
    assertEquals(1L, ((Number) ppoRejects.get("turn_order")).longValue(), ppo.toString());
    assertEquals(1L, ((Number) ppoRejects.get("invalid_json")).longValue(), ppo.toString());
    assertEquals(4L, ((Number) ppo.get("prompts_held_out")).longValue(), ppo.toString());
    assertTrue(ppo.get("eval_reward") != null && ppo.get("eval_accuracy") == null, "user prompts: the judge's win "
        + "rate, no accuracy: " + ppo);
    Map<String, Object> best = JobStats.parse(Files.readString(dir.resolve("best-of-n/stats.json")));
    long prompts = ((Number) best.get("input_rows")).longValue();
    assertEquals(16L + DemoConversations.BROKEN_PROMPTS, prompts, best.toString());
    Map<?, ?> notPrompts = (Map<?, ?>) best.get("rejects_by_reason");
    assertEquals(1L, ((Number) notPrompts.get("turn_order")).longValue(), best.toString());
    assertEquals(1L, ((Number) notPrompts.get("invalid_json")).longValue(), best.toString());
    long chosen = ((Number) best.get("chosen")).longValue();
    assertEquals(prompts, chosen + ((Number) best.get("rejected")).longValue());
    assertTrue(chosen > 0, "the SFT model's answers end with <|end|>, so best-of-n chooses: " + best);
    assertTrue(best.get("policy").toString().startsWith(dir.resolve("sft").toString()), "answers come from SFT");
    assertTrue(best.get("reward_model").toString().startsWith(dir.resolve("rm-train").toString()));
    Map<String, Object> judged = JobStats.parse(Files.readString(dir.resolve("judge/stats.json")));
    long pairsJudged = ((Number) judged.get("input_rows")).longValue();
    assertEquals(((Number) best.get("pairs")).longValue(), pairsJudged, "the judge reads best-of-n's pairs");
    long agreed = ((Number) judged.get("preferences")).longValue();
    assertEquals(pairsJudged, agreed + ((Number) judged.get("rejected")).longValue(), judged.toString());
    assertTrue(judged.get("judge").toString().contains(dir.resolve("sft").toString()), "the SFT model judges");
    if (agreed > 0) { // rm-retrain's v2 read the judge's file from the inbox with the second batch
      JsonNode inputs = rm.read(2, RewardVersions.DATA_MANIFEST).path("inputs");
      boolean read = false;
      for (JsonNode f : inputs) {
        read |= f.path("file").asText().contains("/judge-") && f.path("kept").asLong() == agreed;
      }
      assertTrue(read, "v2 trained on the judge's " + agreed + " pairs: " + inputs);
    }
    Path hf = dir.resolve(DemoCommand.EXPORT);
    assertTrue(Files.isRegularFile(hf.resolve("model.safetensors")) && Files.isRegularFile(hf.resolve("config.json")),
        "the demo exports the DPO model for Hugging Face");
    Map<String, Object> rewards = JobStats.parse(Files.readString(dir.resolve("rm-score/stats.json")));
    assertEquals(DemoCommand.CHAT_PROMPTS.size() + 2L, ((Number) rewards.get("scored")).longValue(), rewards.toString());
    String served = Files.readString(dir.resolve(DemoServe.FILE));
    assertTrue(served.contains("assistant: ") && served.contains("finish_reason: "), "the demo asks the served model: "
        + served);
  }

  @Test
  void flowChainsTheRewardModelToTheFineTunedModel() {
    List<String> chain = Flow.chain(List.of("tokenizer-train", "tokenize", "pretrain", "sft-prepare", "sft",
        "pref-prepare", "rm-train"),
        Path.of("/w"));
    assertTrue(chain.contains("pref-prepare.base=\"/w/sft\""), chain.toString());
    assertTrue(chain.contains("rm-train.data=\"/w/pref-prepare\""), chain.toString());
    assertTrue(chain.contains("rm-train.base=\"/w/sft\""), chain.toString());
    List<String> withDpo = Flow.chain(List.of("tokenizer-train", "tokenize", "pretrain", "sft-prepare", "sft",
        "pref-prepare", "dpo"), Path.of("/w"));
    assertTrue(withDpo.contains("dpo.data=\"/w/pref-prepare\"") && withDpo.contains("dpo.base=\"/w/sft\""),
        withDpo.toString());
    List<String> withKto = Flow.chain(List.of("tokenizer-train", "tokenize", "pretrain", "sft-prepare", "sft",
        "pref-prepare", "dpo", "kto"), Path.of("/w"));
    assertTrue(withKto.contains("kto.data=\"/w/pref-prepare\"") && withKto.contains("kto.base=\"/w/sft\""),
        withKto.toString());
    List<String> noSft = Flow.chain(List.of("tokenizer-train", "tokenize", "pretrain", "pref-prepare", "rm-train"),
        Path.of("/w"));
    assertTrue(noSft.contains("rm-train.base=\"/w/pretrain\""), noSft.toString());
  }

  @Test
  void flowChainsBestOfNToTheRewardModelAndTheJudgeToItsPairs() {
    List<String> chain = Flow.chain(List.of("tokenizer-train", "tokenize", "pretrain", "sft-prepare", "sft",
        "pref-prepare", "rm-train", "best-of-n", "judge"), Path.of("/w"));
    assertTrue(chain.contains("best-of-n.policy=\"/w/sft\"") && chain.contains("best-of-n.output=\"/w/best-of-n\""),
        chain.toString());
    assertTrue(chain.contains("best-of-n.reward-model=\"/w/rm-train\""), chain.toString());
    assertTrue(chain.contains("judge.input=[\"/w/best-of-n/pairs\"]"), chain.toString());
    assertTrue(chain.contains("judge.checkpoint.path=\"/w/sft\""), chain.toString());
  }

  @Test
  void flowChainsSftToThePretrainedModel() {
    List<String> chain = Flow.chain(List.of("tokenizer-train", "tokenize", "pretrain", "sft-prepare", "sft"),
        Path.of("/w"));
    assertTrue(chain.contains("sft-prepare.base=\"/w/pretrain\""), chain.toString());
    assertTrue(chain.contains("sft.data=\"/w/sft-prepare\""), chain.toString());
    assertTrue(chain.contains("sft.base=\"/w/pretrain\""), chain.toString());
  }

  @Test
  void flowChainsEachStepToThePreviousDataOutput() {
    Path w = Path.of("/w");
    List<String> chain = Flow.chain(List.of("clean", "dedup", "classify-train", "classify", "tokenizer-train",
        "tokenize"), w);
    assertEquals(List.of(
        "clean.output=\"/w/clean\"",
        "dedup.output=\"/w/dedup\"",
        "dedup.input=[\"/w/clean/documents\"]",
        "classify-train.output=\"/w/classify-train\"",
        "classify.output=\"/w/classify\"",
        "classify.input=[\"/w/dedup/deduped\"]",
        "classify.model=\"/w/classify-train\"",
        "tokenizer-train.output=\"/w/tokenizer-train\"",
        "tokenizer-train.input=[\"/w/classify/scored\"]",
        "tokenize.output=\"/w/tokenize\"",
        "tokenize.input=[\"/w/classify/scored\"]",
        "tokenize.tokenizer=\"/w/tokenizer-train\""), chain);
  }
}
