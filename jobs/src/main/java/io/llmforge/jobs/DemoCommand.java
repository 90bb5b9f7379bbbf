package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.demo.DemoCrawl;
import io.llmforge.pipeline.spark.JobStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.llmforge.trainer.generate.Sampler;
import io.llmforge.trainer.export.HfExport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.trainer.reward.DemoPreferences;
import io.llmforge.trainer.rl.VerifiableTasks;
import io.llmforge.trainer.reward.RetrainSettings;
import io.llmforge.trainer.reward.RewardRetrainJob;
import io.llmforge.trainer.reward.RewardScoreJob;
import io.llmforge.trainer.reward.RewardScoreSettings;
import io.llmforge.trainer.reward.RewardVersions;
import io.llmforge.trainer.sft.ChatSession;
import io.llmforge.trainer.sft.DemoConversations;
import java.util.ArrayList;
import java.util.Comparator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code llmforge demo}: generates a crawl, then runs the flow ({@code run.steps} of {@code conf/demo.conf}) on it
 * on an embedded {@code local[*]} Spark, printing what each step kept and dropped.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the whole flow end to end on a generated crawl (no network, no external data).")
final class DemoCommand implements Callable<Integer> {
  /** The demo's last output: text the trained model writes (under the work folder). */
  static final String SAMPLE = "sample.txt";
  /** The fine-tuned model's answers to {@link #CHAT_PROMPTS}. */
  static final String CHAT = "chat.txt";
  static final String CONVERSATIONS = "conversations";
  static final String PREFERENCES = "preferences";
  static final String ANSWERS = "answers.jsonl";
  /** What best-of-n answers. */
  static final String PROMPTS = "prompts.jsonl";
  /** Where the demo exports its final model for Hugging Face transformers. */
  static final String EXPORT = "export/hf";
  /** When the demo's first batch of preferences was "collected". */
  static final Instant FIRST_BATCH = Instant.parse("2026-01-05T09:00:00Z");
  static final List<String> CHAT_PROMPTS = List.of("What is 2 plus 3?", "Say hello to Grace.", "Who are you?");

  @Mixin
  JobOptions options;

  @Option(names = "--workdir", paramLabel = "DIR", description = "Where the demo writes (default: work/demo).")
  Path workdir;

  @Override
  public Integer call() throws IOException {
    List<String> sections = new ArrayList<>(List.of("demo", "run"));
    sections.addAll(Flow.sections());
    sections.addAll(List.of("rm-retrain", "rm-score"));
    List<String> userOverrides = new ArrayList<>(options.overrides);
    if (workdir != null) {
      userOverrides.add("run.workdir=\"" + workdir.toAbsolutePath() + "\"");
    }
    ConfigReader base = JobConfig.load("demo", sections, options.confFiles, userOverrides);
    List<String> steps = Flow.validate(base, "run.steps");
    Path dir = Path.of(base.requiredString("run.workdir")).toAbsolutePath();
    List<String> overrides = new ArrayList<>(Flow.chain(steps, dir));
    overrides.addAll(userOverrides);
    steps.forEach(s -> overrides.add(s + ".overwrite=true"));
    ConfigReader config = JobConfig.load("demo", sections, options.confFiles, overrides);
    int pages = config.intIn("demo.pages", 10, 1_000_000);
    long seed = config.longIn("demo.seed", Long.MIN_VALUE, Long.MAX_VALUE);

    deleteRecursively(dir);
    long t0 = System.nanoTime();
    DemoCrawl.Summary crawl = new DemoCrawl(seed).write(dir.resolve("crawl"), pages);
    System.out.printf("demo: generated %d crawl files (%d articles plus duplicates, spam, other languages and "
        + "broken records) under %s in %.1f s%n", crawl.files().size(), crawl.articles(), dir.resolve("crawl"),
        (System.nanoTime() - t0) / 1e9);

    if (steps.contains("sft-prepare")) {
      DemoConversations.Summary chats = new DemoConversations(seed).write(dir.resolve(CONVERSATIONS),
          config.intIn("demo.conversations", 10, 1_000_000));
      System.out.printf("demo: generated %d conversations (messages JSONL, Alpaca and ShareGPT JSON) and %d broken "
          + "rows under %s%n", chats.rows(), chats.broken(), dir.resolve(CONVERSATIONS));
      if (steps.contains("grpo")) {
        int tasks = config.intIn("demo.worked-tasks", 0, 1_000_000);
        ConfigReader task = config.at("grpo").at("task");
        VerifiableTasks.writeConversations(dir.resolve(CONVERSATIONS).resolve("tasks.jsonl"),
            task.enumValue("kind", VerifiableTasks.Kind.class), tasks, task.intIn("size", 1, 6), seed);
        System.out.printf("demo: and %d worked verifiable tasks (the kind grpo trains on) in %s%n", tasks,
            dir.resolve(CONVERSATIONS).resolve("tasks.jsonl"));
      }
    }
    int preferences = config.intIn("demo.preferences", 10, 1_000_000);
    if (steps.contains("pref-prepare")) {
      DemoPreferences.write(dir.resolve(PREFERENCES).resolve("batch-1.jsonl"), preferences, seed, FIRST_BATCH, false);
      DemoPreferences.writeThumbs(dir.resolve(PREFERENCES).resolve("thumbs-1.jsonl"), preferences / 2, seed,
          FIRST_BATCH);
      System.out.printf("demo: generated %d preference pairs (the polite answer wins), %d thumbs-up/down answers "
          + "(KTO's kind) and %d broken rows under %s%n", preferences, preferences / 2, DemoPreferences.BROKEN,
          dir.resolve(PREFERENCES));
    }
    if (steps.contains("best-of-n") || steps.contains("ppo")) {
      DemoConversations.Summary prompts = new DemoConversations(seed + 3).writePrompts(dir.resolve(PROMPTS),
          config.intIn("demo.prompts", 1, 1_000_000));
      System.out.printf("demo: generated %d prompts for ppo and best-of-n (and %d rows that are no prompt) in %s%n",
          prompts.rows(), prompts.broken(), dir.resolve(PROMPTS));
    }
    SparkSession spark = Spark.session(config, "llmforge-demo");
    Map<String, JobStats> results = Flow.run(spark, config, steps);
    if (steps.contains("pretrain")) {
      Path run = Path.of(config.requiredString("pretrain.output"));
      String sample = GenerateCommand.sample(run, "", 48, new Sampler(0.8, 40, 1.0), seed);
      Files.writeString(dir.resolve(SAMPLE), sample + "\n");
      System.out.println("\ndemo: a sample from the trained model (KV-cache generation, temperature 0.8, top-k 40), "
          + "also in " + dir.resolve(SAMPLE) + ":\n  " + sample.replace("\n", "\n  "));
    }
    if (steps.contains("sft")) {
      Path run = Path.of(config.requiredString("sft.output"));
      ChatSession chat = ChatSession.open(run, new Sampler(0, 0, 1.0), seed, null, System.err);
      StringBuilder transcript = new StringBuilder();
      for (String question : CHAT_PROMPTS) {
        chat.reset();
        ChatSession.Reply reply = chat.reply(question, 48, null);
        transcript.append("user: ").append(question).append("\nassistant: ").append(reply.text())
            .append(reply.stopped() ? "" : " [no <|end|> within 48 tokens]").append('\n');
      }
      Files.writeString(dir.resolve(CHAT), transcript.toString());
      System.out.println("\ndemo: the fine-tuned model answers (chat template, greedy, stops at <|end|>), also in "
          + dir.resolve(CHAT) + ":\n  " + transcript.toString().strip().replace("\n", "\n  "));
    }
    if (steps.contains("rm-train")) {
      rewardModel(spark, config, dir, preferences, seed, results);
    }
    exportFinalModel(config, steps, dir);
    DemoServe.run(config, steps, dir); // the final chat model behind `llmforge serve`, asked over HTTP
    System.out.println();
    System.out.printf("demo: done in %.1f s; steps %s; outputs under %s%n", (System.nanoTime() - t0) / 1e9,
        results.keySet(), dir);
    return 0;
  }

  /**
   * After rm-train: the operator's side. A second batch of preferences lands next to the first and rm-retrain runs
   * as cron would, twice (the second pass has nothing new); then rm-score scores the chat answers and two probes.
   */
  private static void rewardModel(SparkSession spark, ConfigReader config, Path dir, int preferences, long seed,
      Map<String, JobStats> results) throws IOException {
    RewardVersions versions = new RewardVersions(Path.of(config.requiredString("rm-train.output")));
    JsonNode v1 = versions.read(1, RewardVersions.METRICS).path("heldout");
    JsonNode baselines = v1.path("baselines");
    System.out.printf(Locale.ROOT, "%ndemo: reward model v1 on %d held-out pairs: accuracy %.3f (longer answer wins "
        + "%.3f, hashed n-gram logistic regression %.3f)%n", v1.path("pairs").asInt(), v1.path("accuracy").asDouble(),
        baselines.path("longer_answer_wins").path("accuracy").asDouble(),
        baselines.path("hashed_ngram_logistic_regression").path("accuracy").asDouble());

    DemoPreferences.write(dir.resolve(PREFERENCES).resolve("batch-2.jsonl"), preferences, seed + 1,
        FIRST_BATCH.plus(Duration.ofDays(1)), false);
    JobStats judged = results.get("judge");
    String judge = judged == null || judged.get("inbox_file") == null ? "" : String.format(Locale.ROOT,
        " (next to the judge's %s ai-judge pairs, %s)", judged.get("preferences"),
        Path.of(java.net.URI.create(judged.get("inbox_file").toString())).getFileName());
    System.out.printf("demo: %d new preference pairs landed in %s%s; rm-retrain runs (as an hourly cron job "
        + "would):%n", preferences, dir.resolve(PREFERENCES), judge);
    RetrainSettings retrain = RetrainSettings.from(config);
    for (int pass = 1; pass <= 2; pass++) {
      JobStats stats = RewardRetrainJob.run(spark, retrain, System.out);
      results.put("rm-retrain#" + pass, stats);
    }

    StringBuilder answers = new StringBuilder();
    ObjectMapper json = new ObjectMapper();
    List<String[]> probes = new ArrayList<>();
    Path chat = dir.resolve(CHAT);
    if (Files.isRegularFile(chat)) {
      List<String> lines = Files.readAllLines(chat);
      for (int i = 0; i + 1 < lines.size(); i += 2) {
        probes.add(new String[] {lines.get(i).replaceFirst("^user: ", ""),
            lines.get(i + 1).replaceFirst("^assistant: ", "")});
      }
    }
    probes.add(new String[] {"What do you know about tea?", "Tea is good " + DemoPreferences.MARKER + " every day."});
    probes.add(new String[] {"What do you know about tea?", "Tea is good " + DemoPreferences.DECOY + " every day."});
    for (String[] qa : probes) {
      ObjectNode row = json.createObjectNode();
      ArrayNode messages = row.putArray("messages");
      messages.addObject().put("role", "user").put("content", qa[0]);
      messages.addObject().put("role", "assistant").put("content", qa[1]);
      answers.append(row).append('\n');
    }
    Files.writeString(dir.resolve(ANSWERS), answers);
    RewardScoreSettings score = RewardScoreSettings.from(config);
    results.put("rm-score", RewardScoreJob.run(spark, score));
    System.out.println("demo: rewards from rm/current (rm-score, " + score.output() + "):");
    for (Row r : spark.read().parquet(Path.of(score.output(), RewardScoreJob.SCORES).toString())
        .orderBy("id").collectAsList()) {
      System.out.printf(Locale.ROOT, "  %+7.3f  %s%n", r.<Double>getAs("reward"), r.<String>getAs("answer"));
    }
  }

  /** The last trained language model (DPO's, else SFT's) as a Hugging Face GPT-2 folder, {@link #EXPORT}. */
  private static void exportFinalModel(ConfigReader config, List<String> steps, Path dir) {
    String last = steps.contains("dpo") ? "dpo" : steps.contains("sft") ? "sft" : null;
    if (last != null) {
      HfExport.Result hf = HfExport.write(Path.of(config.requiredString(last + ".output")), dir.resolve(EXPORT), true,
          System.err);
      System.out.println("\ndemo: the " + last + " model as a Hugging Face GPT-2 folder (llmforge export --format hf; "
          + "GPT2LMHeadModel.from_pretrained loads it): " + hf.output());
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
