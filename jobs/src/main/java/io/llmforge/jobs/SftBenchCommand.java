package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.shards.TokenizeJob;
import io.llmforge.pipeline.shards.TokenizeSettings;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.pipeline.tokenizer.TokenizerTrainJob;
import io.llmforge.pipeline.tokenizer.TokenizerTrainSettings;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.generate.Sampler;
import io.llmforge.trainer.pretrain.PretrainSettings;
import io.llmforge.trainer.pretrain.Pretraining;
import io.llmforge.trainer.sft.ChatTemplate;
import io.llmforge.trainer.sft.ConversationRenderer;
import io.llmforge.trainer.sft.SftDataset;
import io.llmforge.trainer.sft.SftEvaluation;
import io.llmforge.trainer.sft.SftManifest;
import io.llmforge.trainer.sft.SftMerge;
import io.llmforge.trainer.sft.SftPrepareJob;
import io.llmforge.trainer.sft.SftPrepareSettings;
import io.llmforge.trainer.sft.SftSettings;
import io.llmforge.trainer.sft.SftTraining;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code llmforge bench sft}: pretrains a small model on real text, fine-tunes it on real instructions (full and
 * LoRA; en, then zh), and measures what SFT changes on held-out conversations: assistant-token loss, stop rate,
 * role-marker leaks, answer length, sample answers (conf/bench-sft.conf). Every step's output is reused when
 * finished, so a re-run only evaluates.
 */
@Command(name = "sft", mixinStandardHelpOptions = true,
    description = "Pretrain on ../shared/data/text, SFT on ../shared/data/instruct; held-out loss, stop rate, "
        + "role-marker leaks, full vs LoRA; table + JSON.")
final class SftBenchCommand implements Callable<Integer> {
  static final List<String> SECTIONS = List.of("bench-sft", "tokenizer-train", "tokenize", "pretrain",
      "sft-prepare", "sft");

  @Mixin
  JobOptions options;

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "../shared/data",
      description = "The shared data folder (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--out", paramLabel = "FILE", defaultValue = "work/bench/sft.json",
      description = "Where to write the JSON result (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--until", defaultValue = "all", description = "Stop after this step: pretrain, or all.")
  String until;

  @Option(names = "--languages", split = ",", defaultValue = "en,zh",
      description = "Instruction sets to fine-tune on (default: ${DEFAULT-VALUE}).")
  List<String> languages;

  @Option(names = "--variants", split = ",", defaultValue = "full,lora,lora-tokens",
      description = "Fine-tuning runs per set: full, lora, lora-tokens (LoRA + the template tokens' embedding rows; "
          + "default: ${DEFAULT-VALUE}).")
  List<String> variants;

  static final List<String> VARIANTS = List.of("full", "lora", "lora-tokens");

  /** One fine-tuning data set: its files under instruct/. */
  record InstructSet(String name, List<String> files) {}

  static final Map<String, InstructSet> SETS = Map.of(
      "en", new InstructSet("en", List.of("llamafactory-alpaca_en_demo.json", "llamafactory-identity.json")),
      "zh", new InstructSet("zh", List.of("llamafactory-alpaca_zh_demo.json")));

  @Override
  public Integer call() throws IOException {
    if (!Files.isDirectory(data.resolve("text")) || !Files.isDirectory(data.resolve("instruct"))) {
      System.err.println("bench sft: " + data + " has no text/ and instruct/ (it is ../shared/data; pass --data)");
      return 2;
    }
    for (String variant : variants) {
      if (!VARIANTS.contains(variant)) {
        System.err.println("bench sft: unknown variant " + variant + "; use any of " + VARIANTS);
        return 2;
      }
    }
    for (String language : languages) {
      if (!SETS.containsKey(language)) {
        System.err.println("bench sft: unknown instruction set " + language + "; known: " + SETS.keySet());
        return 2;
      }
    }
    ConfigReader base = JobConfig.load("bench-sft", SECTIONS, options.confFiles, options.overrides);
    Path work = Path.of(base.requiredString("bench-sft.workdir")).toAbsolutePath();
    String documents = work.resolve("corpus").resolve(BenchCorpus.DOCUMENTS).toString();
    Path pretrained = work.resolve("pretrain");
    List<String> chain = new ArrayList<>(List.of(
        "tokenizer-train.input=[" + Flow.quote(documents) + "]",
        "tokenizer-train.output=" + Flow.quote(work.resolve("tokenizer")),
        "tokenize.input=[" + Flow.quote(documents) + "]",
        "tokenize.tokenizer=" + Flow.quote(work.resolve("tokenizer")),
        "tokenize.output=" + Flow.quote(work.resolve("shards")),
        "pretrain.shards=" + Flow.quote(work.resolve("shards")),
        "pretrain.output=" + Flow.quote(pretrained)));
    ConfigReader config = load(chain, List.of());
    TokenizerTrainSettings tokenizerSettings = TokenizerTrainSettings.from(config);
    TokenizeSettings tokenizeSettings = TokenizeSettings.from(config);
    PretrainSettings pretrainSettings = PretrainSettings.from(config);
    int loraRank = config.intIn("bench-sft.lora-rank", 1, 1024);
    double loraLr = config.doubleIn("bench-sft.lora-learning-rate", 1e-8, 1);
    List<String> loraTokens = config.strings("bench-sft.lora-trainable-tokens");
    int maxNew = config.intIn("bench-sft.max-new-tokens", 1, 4096);
    int samples = config.intIn("bench-sft.samples", 0, 100);
    double repetitionPenalty = config.doubleIn("bench-sft.repetition-penalty", 1e-3, 1e3);

    SparkSession spark = Spark.session(config, "llmforge-bench-sft");
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    long t0 = System.nanoTime();
    BenchCorpus.write(spark, data.resolve("text"), work.resolve("corpus"));
    Console.printStats("tokenizer-train", TokenizerTrainJob.run(spark, tokenizerSettings));
    Console.printStats("tokenize", TokenizeJob.run(spark, tokenizeSettings));
    JobStats pretrainStats = Pretraining.run(pretrainSettings, hadoop, System.out);
    Console.printStats("pretrain", pretrainStats);
    pretrainStats = ownStats(pretrainStats, pretrained);
    System.out.printf(Locale.ROOT, "bench sft: pretrained model ready after %.1f s%n", (System.nanoTime() - t0) / 1e9);
    if (until.equals("pretrain")) {
      return 0;
    }

    ChatTemplate template = new ChatTemplate(TokenizerJson.read(Files.readAllBytes(Checkpoint.tokenizerFile(
        Checkpoint.resolve(pretrained, System.err)))));
    Sampler greedy = Sampler.greedy();
    Sampler penalised = greedy.withRepetitionPenalty(repetitionPenalty); // the generator spares the stop ids
    List<Map<String, Object>> rows = new ArrayList<>();
    Map<String, Object> sets = new LinkedHashMap<>();
    for (String language : languages) {
      InstructSet set = SETS.get(language);
      Path prepared = work.resolve("sft-data-" + language);
      List<String> inputs = set.files().stream()
          .map(f -> Flow.quote(data.resolve("instruct").resolve(f).toAbsolutePath()))
          .toList();
      JobStats prepareStats = SftPrepareJob.run(spark, SftPrepareSettings.from(load(chain, List.of(
          "sft-prepare.input=[" + String.join(",", inputs) + "]", "sft-prepare.base=" + Flow.quote(pretrained),
          "sft-prepare.output=" + Flow.quote(prepared)))));
      Console.printStats("sft-prepare " + language, prepareStats);
      prepareStats = ownStats(prepareStats, prepared);
      SftManifest manifest = SftManifest.read(hadoop, prepared.toString());
      List<SftDataset.Example> heldOut = SftDataset.load(hadoop, prepared.toString(), manifest,
          ConversationRenderer.VAL);
      Map<String, Object> setInfo = new LinkedHashMap<>();
      setInfo.put("files", set.files());
      setInfo.put("rows_read", prepareStats.get("input_rows"));
      setInfo.put("rejects_by_reason", prepareStats.get("rejects_by_reason"));
      setInfo.put("train_conversations", manifest.split(ConversationRenderer.TRAIN).conversations());
      setInfo.put("held_out_conversations", heldOut.size());
      sets.put(language, setInfo);

      rows.add(evaluate(language, "base (pretrained)", pretrained, template, heldOut, maxNew, samples, null, greedy));
      for (String variant : variants) {
        Path run = work.resolve("sft-" + variant + "-" + language);
        List<String> runKeys = new ArrayList<>(List.of("sft.data=" + Flow.quote(prepared),
            "sft.base=" + Flow.quote(pretrained),
            "sft.output=" + Flow.quote(run)));
        if (variant.startsWith("lora")) {
          runKeys.addAll(List.of("sft.lora.rank=" + loraRank, "sft.lora.alpha=" + 2 * loraRank,
              "sft.optimizer.learning-rate=" + loraLr, "sft.optimizer.min-learning-rate=" + loraLr / 10,
              "sft.lora.trainable-tokens=[" + (variant.equals("lora-tokens") ? loraTokens.stream().map(Flow::quote)
                  .collect(java.util.stream.Collectors.joining(",")) : "") + "]"));
        }
        SftSettings settings = SftSettings.from(load(chain, runKeys));
        long started = System.nanoTime();
        JobStats stats = SftTraining.run(settings, hadoop, System.out);
        stats = ownStats(stats, run);
        Console.printStats("sft " + variant + " " + language, stats);
        double trainSeconds = stats.get("skipped") != null ? ((Number) stats.get("seconds_this_session"))
            .doubleValue() : (System.nanoTime() - started) / 1e9;
        String name = switch (variant) {
          case "full" -> "SFT full";
          case "lora" -> "SFT LoRA r" + loraRank;
          default -> "SFT LoRA r" + loraRank + "+tok";
        };
        Map<String, Object> row = evaluate(language, name, run, template, heldOut, maxNew, samples, stats, greedy);
        row.put("train_seconds", trainSeconds);
        rows.add(row);
        if (repetitionPenalty != 1) {
          // the same model, decoded greedily with the penalty: what decoding adds to what training taught
          Map<String, Object> penalisedRow = evaluate(language, name + " rp" + repetitionPenalty, run, template,
              heldOut, maxNew, samples, stats, penalised);
          penalisedRow.put("repetition_penalty", repetitionPenalty);
          rows.add(penalisedRow);
        }
      }
    }

    System.out.println();
    System.out.printf("%-4s %-22s %12s %10s %10s %9s %9s %8s %9s %10s%n", "set", "model", "trainable", "held-loss",
        "stop-rate", "markers", "eot-stop", "tokens", "ref-fits", "stop|fits");
    for (Map<String, Object> r : rows) {
      Object whereFits = r.get("stop_rate_where_reference_fits");
      System.out.printf(Locale.ROOT, "%-4s %-22s %12s %10.4f %9.1f%% %8.1f%% %8.1f%% %8.1f %8.1f%% %10s%n",
          r.get("set"),
          r.get("model"), r.get("trainable_share") == null ? "-" : String.format(Locale.ROOT, "%.2f%%",
              100 * ((Number) r.get("trainable_share")).doubleValue()), r.get("held_out_loss"),
          100 * (double) r.get("stop_rate"), 100 * (double) r.get("role_marker_rate"),
          100 * (double) r.get("endoftext_rate"), r.get("mean_answer_tokens"),
          100 * (double) r.get("reference_fit_rate"), whereFits == null ? "-"
              : String.format(Locale.ROOT, "%.1f%%", 100 * ((Number) whereFits).doubleValue()));
    }
    System.out.println("(stop|fits: the stop rate on the prompts whose reference fits, where a miss is the model's "
        + "own, a loop rather than a long answer)");
    System.out.println("(ref-fits: share of held-out reference answers that end within " + maxNew + " tokens, the "
        + "stop rate of a model that answered like the data)");
    for (Map<String, Object> r : rows) {
      System.out.println("\n" + r.get("set") + " / " + r.get("model") + ":");
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> s = (List<Map<String, Object>>) r.get("samples");
      printSamples(s);
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> misses = (List<Map<String, Object>>) r.get("misses");
      if (!misses.isEmpty()) {
        System.out.println(" answers that did not stop:");
        printSamples(misses);
      }
    }
    JobStats json = new JobStats()
        .put("benchmark", "SFT: held-out assistant-token loss, stop rate and role-marker leaks, base vs SFT full vs "
            + "LoRA")
        .put("data", data.toAbsolutePath().toString())
        .put("pretrain", pretrainSummary(pretrained, pretrainStats))
        .put("instruction_sets", sets)
        .put("max_new_tokens", maxNew)
        .put("decoding", "greedy, KV cache, stops at <|end|> or <|endoftext|>" + (repetitionPenalty == 1 ? ""
            : "; rows named rp<p>: greedy after a repetition penalty p on every id of the context but "
            + "<|end|> and <|endoftext|>"))
        .put("threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "?"))
        .put("results", rows);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, json.toJson());
    System.out.println("\nwrote " + out);
    return 0;
  }

  private Map<String, Object> evaluate(String set, String name, Path model, ChatTemplate template,
      List<SftDataset.Example> heldOut, int maxNew, int samples, JobStats stats, Sampler sampler) {
    long t = System.nanoTime();
    SftEvaluation.Result r = SftEvaluation.evaluate(SftMerge.load(model, System.err), template, heldOut, maxNew, 16,
        samples, sampler);
    System.out.printf(Locale.ROOT, "bench sft: %s %s: held-out loss %.4f, stop rate %.1f%%, role markers %.1f%% "
        + "(%.1f s)%n", set, name, r.heldOutLoss(), 100 * r.stopRate(), 100 * r.markerRate(),
        (System.nanoTime() - t) / 1e9);
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("set", set);
    row.put("model", name);
    row.put("checkpoint", model.toString());
    if (stats != null) {
      row.put("trainable_share", stats.get("trainable_share"));
      row.put("trainable_parameters", stats.get("trainable_parameters"));
      row.put("steps", stats.get("steps"));
    }
    row.putAll(r.asMap());
    return row;
  }

  /** A step's stats; for a step skipped as finished, the stats.json it wrote then (marked "skipped"). */
  private static JobStats ownStats(JobStats stats, Path output) throws IOException {
    if (stats.get("skipped") == null) {
      return stats;
    }
    JobStats own = new JobStats();
    JobStats.parse(Files.readString(output.resolve("stats.json"))).forEach(own::put);
    return own.put("skipped", true);
  }

  private static Map<String, Object> pretrainSummary(Path pretrained, JobStats stats) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("output", pretrained.toString());
    m.put("model", String.valueOf(Checkpoint.readConfig(Checkpoint.resolve(pretrained, System.err))));
    m.put("steps", stats.get("steps"));
    m.put("tokens_seen", stats.get("tokens_seen"));
    m.put("val_loss", stats.get("val_loss"));
    return m;
  }

  private ConfigReader load(List<String> chain, List<String> more) {
    List<String> overrides = new ArrayList<>(chain);
    overrides.addAll(more);
    overrides.addAll(options.overrides);
    return JobConfig.load("bench-sft", SECTIONS, options.confFiles, overrides);
  }

  private static void printSamples(List<Map<String, Object>> samples) {
    for (Map<String, Object> one : samples) {
      System.out.println("  Q: " + oneLine(one.get("prompt")) + "\n  A: " + oneLine(one.get("answer"))
          + (Boolean.TRUE.equals(one.get("stopped")) ? "  <|end|>" : "  [no <|end|>]"));
    }
  }

  private static String oneLine(Object s) {
    String t = String.valueOf(s).replace("\n", " / ");
    return t.length() > 160 ? t.substring(0, 160) + "..." : t;
  }
}
