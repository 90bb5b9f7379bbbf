package io.llmforge.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.BpeTrainer;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.PreTokenizer;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.bestofn.BestOfN;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.checkpoint.TrainerState;
import io.llmforge.trainer.data.TokenBatches;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.generate.Sampler;
import io.llmforge.trainer.optim.AdamW;
import io.llmforge.trainer.optim.OptimizerSettings;
import io.llmforge.trainer.preference.PreferencePrepareJob;
import io.llmforge.trainer.preference.PreferencePrepareSettings;
import io.llmforge.trainer.reward.DemoPreferences;
import io.llmforge.trainer.reward.RewardSettings;
import io.llmforge.trainer.reward.RewardTrainJob;
import io.llmforge.trainer.reward.RewardVersions;
import io.llmforge.trainer.sft.Message;
import io.llmforge.trainer.sft.SftPrepareJob;
import io.llmforge.trainer.sft.SftPrepareSettings;
import io.llmforge.trainer.sft.SftSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code llmforge bench best-of-n}: how much rejection sampling buys under the reward model that does the choosing
 * (conf/bench-best-of-n.conf). All in-process, from generated data: a tokenizer and a small GPT fine-tuned from
 * random weights on answers that are polite half the time, a reward model (from that SFT model) on pairs where the
 * polite answer wins; then {@code max(best-of)} samples per held-out prompt and, for each k, the reward model's
 * favourite among the first k: its mean reward under rm/current, and how often it is the polite answer. With a
 * perfect reward model the polite share would be 1 - 0.5^k; the mean reward rises with k by construction (a max over
 * more samples), so the figure is by how much.
 */
@Command(name = "best-of-n", mixinStandardHelpOptions = true,
    description = "Best-of-N: mean reward under rm/current of best-of-1 vs best-of-2/4/8 on held-out prompts (small "
        + "SFT policy and reward model made in-process from generated data); table + JSON.")
final class BestOfNBenchCommand implements Callable<Integer> {
  static final List<String> SECTIONS = List.of("bench-best-of-n", "sft-prepare", "sft", "pref-prepare", "rm-train");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant COLLECTED = Instant.parse("2026-01-05T09:00:00Z");

  @Mixin
  JobOptions options;

  @Option(names = "--out", paramLabel = "FILE", defaultValue = "work/bench/best-of-n.json",
      description = "Where to write the JSON result (default: ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws IOException {
    ConfigReader first = JobConfig.load("bench-best-of-n", SECTIONS, options.confFiles, options.overrides);
    ConfigReader b = first.at("bench-best-of-n");
    Path work = Path.of(b.requiredString("workdir")).toAbsolutePath();
    long seed = b.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE);
    List<Integer> ks = new ArrayList<>();
    for (String k : b.strings("best-of")) {
      ks.add(Integer.parseInt(k));
    }
    if (ks.isEmpty() || ks.stream().anyMatch(k -> k < 1)) {
      throw b.error("best-of", "must list sample counts >= 1, e.g. [1, 2, 4, 8]");
    }
    int n = ks.stream().mapToInt(Integer::intValue).max().orElseThrow();
    long t0 = System.nanoTime();

    // generated data: SFT conversations from one batch of pairs (either answer, alternately), the reward model's
    // pairs from another, held-out prompts from a third
    Path data = work.resolve("data");
    Path forSft = DemoPreferences.write(data.resolve("sft-source.jsonl"), b.intIn("conversations", 10, 10_000_000),
        seed, COLLECTED, false);
    Path conversations = conversations(forSft, data.resolve("conversations.jsonl"));
    Path pairs = DemoPreferences.write(data.resolve("pairs/pairs.jsonl"), b.intIn("pairs", 10, 10_000_000), seed + 1,
        COLLECTED, false);
    List<List<Message>> heldout = prompts(DemoPreferences.write(data.resolve("heldout.jsonl"),
        b.intIn("heldout-prompts", 1, 1_000_000), seed + 2, COLLECTED, false));
    Path base = base(work.resolve("base"), List.of(conversations, pairs), b);

    Path sftData = work.resolve("sft-data");
    Path sft = work.resolve("sft");
    Path prefs = work.resolve("prefs");
    Path rm = work.resolve("rm");
    List<String> overrides = new ArrayList<>(List.of(
        "sft-prepare.input=[" + Flow.quote(conversations) + "]", "sft-prepare.base=" + Flow.quote(base),
        "sft-prepare.output=" + Flow.quote(sftData), "sft-prepare.overwrite=true",
        "sft.data=" + Flow.quote(sftData), "sft.base=" + Flow.quote(base), "sft.output=" + Flow.quote(sft),
        "sft.overwrite=true",
        "pref-prepare.input=[" + Flow.quote(pairs) + "]", "pref-prepare.base=" + Flow.quote(sft),
        "pref-prepare.output=" + Flow.quote(prefs), "pref-prepare.overwrite=true",
        "rm-train.data=" + Flow.quote(prefs), "rm-train.base=" + Flow.quote(sft), "rm-train.output=" + Flow.quote(rm),
        "rm-train.overwrite=true"));
    overrides.addAll(options.overrides);
    ConfigReader config = JobConfig.load("bench-best-of-n", SECTIONS, options.confFiles, overrides);
    SftPrepareSettings prepare = SftPrepareSettings.from(config);
    SftSettings sftSettings = SftSettings.from(config);
    PreferencePrepareSettings prefSettings = PreferencePrepareSettings.from(config);
    double temperature = b.doubleIn("temperature", 0.01, 5);
    int maxNewTokens = b.intIn("max-new-tokens", 1, 1 << 16);
    SparkSession spark = Spark.session(config, "llmforge-bench-best-of-n");
    SftPrepareJob.run(spark, prepare);
    JobStats tuned = SftCommand.run(spark, sftSettings);
    PreferencePrepareJob.run(spark, prefSettings);
    RewardTrainJob.run(spark, RewardSettings.from(config, true), System.out);
    JsonNode rmHeldout = new RewardVersions(rm).read(1, RewardVersions.METRICS).path("heldout");

    long ts = System.nanoTime();
    BestOfN bestOfN = BestOfN.open(sft, rm, new BestOfN.Options(n, new Sampler(temperature, 0, 1.0), maxNewTokens,
        seed, true, 32), System.err);
    double[] rewardSum = new double[ks.size()];
    int[] chosen = new int[ks.size()];
    int[] polite = new int[ks.size()];
    long stopped = 0;
    for (List<Message> prompt : heldout) {
      List<BestOfN.Candidate> c = bestOfN.run(prompt).candidates();
      for (BestOfN.Candidate x : c) {
        stopped += x.stopped() ? 1 : 0;
      }
      for (int i = 0; i < ks.size(); i++) {
        int best = BestOfN.best(c.subList(0, ks.get(i)), true);
        if (best >= 0) {
          chosen[i]++;
          rewardSum[i] += c.get(best).reward();
          polite[i] += c.get(best).answer().contains(DemoPreferences.MARKER) ? 1 : 0;
        }
      }
    }
    double samplingSeconds = (System.nanoTime() - ts) / 1e9;

    System.out.println();
    System.out.printf(Locale.ROOT, "%d held-out prompts, %d samples each (temperature %.2f); reward model held-out "
        + "accuracy %.3f%n", heldout.size(), n, temperature, rmHeldout.path("accuracy").asDouble());
    System.out.printf("%-10s %14s %14s %16s%n", "best of", "mean reward", "polite share", "prompts chosen");
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < ks.size(); i++) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("best_of", ks.get(i));
      row.put("mean_reward", chosen[i] == 0 ? null : rewardSum[i] / chosen[i]);
      row.put("polite_share", chosen[i] == 0 ? null : (double) polite[i] / chosen[i]);
      row.put("prompts_chosen", chosen[i]);
      rows.add(row);
      System.out.printf(Locale.ROOT, "%-10d %14s %14s %16d%n", ks.get(i), chosen[i] == 0 ? "n/a"
          : String.format(Locale.ROOT, "%+.4f", rewardSum[i] / chosen[i]), chosen[i] == 0 ? "n/a"
          : String.format(Locale.ROOT, "%.3f", (double) polite[i] / chosen[i]), chosen[i]);
    }
    JobStats json = new JobStats()
        .put("benchmark", "best-of-n")
        .put("heldout_prompts", heldout.size())
        .put("samples_per_prompt", n)
        .put("temperature", temperature)
        .put("max_new_tokens", maxNewTokens)
        .put("stop_rate", (double) stopped / ((long) heldout.size() * n))
        .put("policy", Checkpoint.resolve(sft, System.err).toString())
        .put("policy_config", String.valueOf(Checkpoint.readConfig(Checkpoint.resolve(sft, System.err))))
        .put("sft_val_loss", tuned.get("val_loss"))
        .put("reward_model", RewardVersions.name(new RewardVersions(rm).current().orElseThrow()))
        .put("reward_model_heldout_accuracy", rmHeldout.path("accuracy").asDouble())
        .put("rows", rows)
        .put("sampling_seconds", samplingSeconds)
        .put("seconds", (System.nanoTime() - t0) / 1e9)
        .put("command", "llmforge bench best-of-n" + (options.overrides.isEmpty() ? ""
            : " --set " + String.join(" --set ", options.overrides)));
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, json.toJson());
    System.out.println("bench best-of-n: wrote " + out);
    return 0;
  }

  /** Each good pair of {@code pairs} as a conversation, its answer alternately the chosen and the rejected one. */
  static Path conversations(Path pairs, Path file) throws IOException {
    StringBuilder rows = new StringBuilder();
    int i = 0;
    for (String line : Files.readAllLines(pairs)) {
      JsonNode pair;
      try {
        pair = JSON.readTree(line);
      } catch (IOException broken) {
        continue; // DemoPreferences' broken rows: they are the reward model's to reject, not the policy's
      }
      String answer = pair.path(i % 2 == 0 ? "chosen" : "rejected").asText("");
      if (!pair.path("prompt").asText("").startsWith("Question ") || answer.isBlank()) {
        continue; // and the "Say hi." rows, broken on purpose
      }
      ObjectNode row = JSON.createObjectNode();
      var messages = row.putArray("messages");
      messages.addObject().put("role", "user").put("content", pair.path("prompt").asText());
      messages.addObject().put("role", "assistant").put("content", answer);
      rows.append(row).append('\n');
      i++;
    }
    Files.createDirectories(file.getParent());
    Files.writeString(file, rows);
    return file;
  }

  /** The prompts of a generated pairs file (its broken rows left out). */
  static List<List<Message>> prompts(Path pairs) throws IOException {
    List<List<Message>> out = new ArrayList<>();
    for (String line : Files.readAllLines(pairs)) {
      try {
        JsonNode pair = JSON.readTree(line);
        if (pair.path("prompt").isTextual() && pair.path("prompt").asText().startsWith("Question ")) {
          out.add(List.of(Message.user(pair.path("prompt").asText())));
        }
      } catch (IOException broken) {
        // not a row
      }
    }
    return out;
  }

  /** A randomly initialised GPT and a byte-level BPE learnt on the generated text: the SFT round's starting point. */
  static Path base(Path run, List<Path> texts, ConfigReader b) throws IOException {
    List<String> corpus = new ArrayList<>();
    for (Path t : texts) {
      corpus.addAll(Files.readAllLines(t));
    }
    ByteLevelBpe tokenizer = new BpeTrainer(PreTokenizer.Kind.GPT4, SpecialTokens.ALL,
        b.intIn("vocab-size", 300, 1 << 20), 1).trainOnText(corpus).tokenizer();
    Files.createDirectories(run);
    Path file = run.resolve(Checkpoint.TOKENIZER);
    Files.write(file, TokenizerJson.writeBytes(tokenizer));
    ConfigReader m = b.at("model");
    GptEngine engine = new GptEngine(new GptConfig(tokenizer.vocabSize(), m.intIn("block-size", 16, 1 << 16),
        m.intIn("n-layer", 1, 64), m.intIn("n-head", 1, 64), m.intIn("n-embd", 8, 1 << 14), 0,
        b.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE)));
    Checkpoint.save(run, engine, new AdamW(OptimizerSettings.nanoGptShakespeare(), engine.parameters()),
        new TrainerState(1, 0, TokenBatches.Cursor.START, 1), file, 1);
    return run;
  }
}
