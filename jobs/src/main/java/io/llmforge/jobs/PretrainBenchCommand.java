package io.llmforge.jobs;

import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.BpeTrainer;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.PreTokenizer;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import io.llmforge.trainer.bench.GemmPeak;
import io.llmforge.trainer.bench.TrainingBenchmark;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.metrics.Flops;
import io.llmforge.trainer.optim.OptimizerSettings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Training throughput and loss of this trainer against PyTorch on the same model, data, optimiser and seed, at each
 * thread count, in one run. Two configurations: nanoGPT's {@code shakespeare_char} CPU run (4 layers, 4 heads, 128
 * wide, block 64, batch 12, char-level tinyshakespeare; nanoGPT reports val loss ~1.88 at 2000 steps) and a BPE one
 * (vocab 8192 trained on WikiText-2, 6 layers, 6 heads, 384 wide, block 256, batch 8). Each side runs in its own
 * process with its thread environment (OpenMP reads it once per process); PyTorch runs with both
 * {@code OPENBLAS_NUM_THREADS=1} and {@code =threads} and its better figure is the one compared.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
    description = "GPT training tokens/s and loss: llmforge vs PyTorch, same model, data and threads.")
final class PretrainBenchCommand implements Callable<Integer> {
  @Option(names = "--config", defaultValue = "shakespeare",
      description = "shakespeare (nanoGPT's char-level CPU config) or bpe (vocab 8192, 6x6x384, block 256, batch 8).")
  String config;

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "../shared/data/text",
      description = "Folder with tinyshakespeare.txt and wikitext-2/ (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "work/bench",
      description = "Where the JSON results and the prepared id files go (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--steps", defaultValue = "0",
      description = "Optimiser steps; 0: 2000 for shakespeare, 40 for bpe.")
  int steps;

  @Option(names = "--threads", split = ",", defaultValue = "1,2",
      description = "Thread counts to measure, comma-separated (default: ${DEFAULT-VALUE}).")
  List<Integer> threads;

  @Option(names = "--eval-iters", defaultValue = "20", description = "Random batches per loss estimate.")
  int evalIters;

  /** The seed of the published figures; a run with another seed writes its JSON under a name that says so. */
  private static final String DEFAULT_SEED = "1337";

  @Option(names = "--seed", defaultValue = DEFAULT_SEED,
      description = "Seed of the initial weights and of the batch sampler, on both sides (default: ${DEFAULT-VALUE}). "
          + "The 2000-step shakespeare val loss varied by 0.018 over three seeds: compare several.")
  long seed;

  @Option(names = "--python", paramLabel = "EXE", defaultValue = "/usr/bin/python3",
      description = "Python with torch (Debian: apt-get install python3-torch libopenblas0-pthread); \"\" skips it.")
  String python;

  @Option(names = "--pytorch-script", paramLabel = "FILE", defaultValue = "trainer/bench/pytorch_reference.py",
      description = "The PyTorch reference script (default: ${DEFAULT-VALUE}).")
  Path pytorchScript;

  @Option(names = "--in-process", hidden = true, description = "Run this trainer here and print its JSON line.")
  boolean inProcess;

  record Setup(String name, GptConfig model, int batchSize, int steps, int evalInterval, OptimizerSettings optim,
      Path trainIds, Path valIds) {}

  @Override
  public Integer call() throws IOException {
    Setup setup = prepare();
    if (setup == null) {
      return 2;
    }
    if (inProcess) {
      System.out.println(runHere(setup, threads.get(0)).toJson().replace('\n', ' '));
      return 0;
    }
    List<JobStats> rows = new ArrayList<>();
    for (int n : threads) {
      BenchProcess.Sides sides = BenchProcess.measure(n, childCommand(n),
          python.isBlank() ? null : pytorchCommand(setup, n));
      Map<String, Object> ours = sides.ours();
      List<Map<String, Object>> torchRuns = sides.torchRuns();
      Map<String, Object> torch = sides.bestTorch("tokens_per_s");
      double ourTps = BenchProcess.number(ours, "tokens_per_s");
      double torchTps = BenchProcess.number(torch, "tokens_per_s");
      JobStats row = new JobStats()
          .put("benchmark", "pretrain " + setup.name())
          .put("config", setup.model().toString())
          .put("batch_size", setup.batchSize())
          .put("steps", setup.steps())
          .put("threads", n)
          .put("seed", seed)
          .put("eval_iters", evalIters)
          .put("llmforge_tokens_per_s", ourTps)
          .put("pytorch_tokens_per_s", torchTps)
          .put("ratio", ourTps / torchTps)
          .put("llmforge_val_loss", ours.get("val_loss"))
          .put("pytorch_val_loss", torch.get("val_loss"))
          .put("llmforge_train_loss", ours.get("train_loss"))
          .put("pytorch_train_loss", torch.get("train_loss"))
          .put("llmforge_matmul_share", ours.get("matmul_share"))
          .put("peak_tflops_measured", ours.get("peak_tflops"))
          .put("llmforge_mfu", ours.get("mfu"))
          .put("pytorch_env", torch.get("env"))
          .put("pytorch_runs", torchRuns.stream().map(r -> Map.of("env", String.valueOf(r.get("env")),
              "tokens_per_s", BenchProcess.number(r, "tokens_per_s"))).toList())
          .put("llmforge", ours)
          .put("pytorch", torch);
      rows.add(row);
      Files.createDirectories(out);
      String seedSuffix = seed == Long.parseLong(DEFAULT_SEED) ? "" : "-seed" + seed;
      Path file = out.resolve("pretrain-" + setup.name() + "-" + n + "t" + seedSuffix + ".json");
      Files.writeString(file, row.toJson());
      System.out.println("wrote " + file);
    }
    printTable(setup, rows);
    return 0;
  }

  private List<String> childCommand(int n) {
    List<String> cmd = BenchProcess.thisJvm(Llmforge.class.getName());
    cmd.addAll(List.of("bench", "pretrain", "--in-process", "--config", config, "--data", data.toString(),
        "--out", out.toString(), "--steps", String.valueOf(steps), "--threads", String.valueOf(n),
        "--eval-iters", String.valueOf(evalIters), "--seed", String.valueOf(seed)));
    return cmd;
  }

  private List<String> pytorchCommand(Setup s, int n) {
    GptConfig m = s.model();
    OptimizerSettings o = s.optim();
    return List.of(python, pytorchScript.toString(), "train", "--train-ids", s.trainIds().toString(),
        "--val-ids", s.valIds().toString(), "--vocab", String.valueOf(m.vocabSize()),
        "--block", String.valueOf(m.blockSize()), "--layers", String.valueOf(m.nLayer()),
        "--heads", String.valueOf(m.nHead()), "--embd", String.valueOf(m.nEmbd()),
        "--batch-size", String.valueOf(s.batchSize()), "--steps", String.valueOf(s.steps()),
        "--threads", String.valueOf(n), "--seed", String.valueOf(m.seed()),
        "--lr", String.valueOf(o.learningRate()), "--min-lr", String.valueOf(o.minLearningRate()),
        "--warmup", String.valueOf(o.warmupSteps()), "--decay-steps", String.valueOf(o.decaySteps()),
        "--beta1", String.valueOf(o.beta1()), "--beta2", String.valueOf(o.beta2()),
        "--weight-decay", String.valueOf(o.weightDecay()), "--grad-clip", String.valueOf(o.gradClip()),
        "--eval-interval", String.valueOf(s.evalInterval()), "--eval-iters", String.valueOf(evalIters));
  }

  /** This trainer on the prepared ids, at the thread count the environment gives this process. */
  private JobStats runHere(Setup s, int n) throws IOException {
    String env = System.getenv("OMP_NUM_THREADS");
    if (env != null && !env.equals(String.valueOf(n))) {
      System.out.println("note: OMP_NUM_THREADS=" + env + " but --threads " + n + "; OpenMP uses the former");
    }
    TrainingBenchmark bench = new TrainingBenchmark(readIds(s.trainIds()), readIds(s.valIds()),
        s.model().vocabSize());
    double peak = GemmPeak.tflops(2048, 5);
    System.out.printf(Locale.ROOT, "sgemm peak (2048^3 through ND4J, %s threads): %.1f GFLOP/s%n", n, peak * 1e3);
    TrainingBenchmark.Result r = bench.run(s.model(), s.optim(), s.batchSize(), s.steps(), s.evalInterval(),
        evalIters, peak, System.out);
    Map<String, Object> losses = new LinkedHashMap<>();
    r.losses().forEach((step, l) -> losses.put(String.valueOf(step), Map.of("train", l[0], "val", l[1])));
    return new JobStats()
        .put("trainer", "llmforge (ND4J 1.0.0-M2.1, hand-written engine)")
        .put("threads", n)
        .put("parameters", r.parameters())
        .put("steps", r.steps())
        .put("train_loss", r.trainLoss())
        .put("val_loss", r.valLoss())
        .put("tokens_per_s", r.tokensPerSecond())
        .put("train_seconds", r.seconds())
        .put("matmul_share", r.matmulShare())
        .put("peak_tflops", peak)
        .put("mfu", Flops.mfu(s.model(), r.parameters(), r.tokensPerSecond(), peak))
        .put("losses", losses);
  }

  /** The configuration's model, optimiser and id files (written once under --out/data). */
  private Setup prepare() throws IOException {
    Path dir = out.resolve("data");
    Files.createDirectories(dir);
    switch (config) {
      case "shakespeare" -> {
        Path text = data.resolve("tinyshakespeare.txt");
        if (!Files.isRegularFile(text)) {
          System.err.println("bench pretrain: " + text + " not found (it is in ../shared/data/text; pass --data)");
          return null;
        }
        TrainingBenchmark chars = TrainingBenchmark.charLevel(Files.readString(text));
        Path train = writeIds(dir.resolve("shakespeare-train.i32"), chars.trainIds());
        Path val = writeIds(dir.resolve("shakespeare-val.i32"), chars.valIds());
        int n = steps > 0 ? steps : 2000;
        return new Setup("shakespeare", GptConfig.nanoGptCpu(chars.vocabSize(), seed), 12, n, 250,
            OptimizerSettings.nanoGptShakespeare(), train, val);
      }
      case "bpe" -> {
        Path train = dir.resolve("bpe8192-train.i32");
        Path val = dir.resolve("bpe8192-val.i32");
        if (!Files.isRegularFile(train) || !Files.isRegularFile(val)) {
          Path wiki = data.resolve("wikitext-2");
          if (!Files.isRegularFile(wiki.resolve("valid.txt"))) {
            System.err.println("bench pretrain: " + wiki + "/valid.txt not found (../shared/data/text/wikitext-2)");
            return null;
          }
          String text = Files.readString(wiki.resolve("valid.txt")) + Files.readString(wiki.resolve("test.txt"));
          System.out.println("training a byte-level BPE tokenizer (vocab 8192) on " + wiki + " ...");
          ByteLevelBpe bpe = new BpeTrainer(PreTokenizer.Kind.GPT2, SpecialTokens.ALL, 8192, 2)
              .trainOnText(List.of(text)).tokenizer();
          int[] ids = bpe.encode(text);
          int cut = (int) (0.9 * ids.length);
          writeIds(train, Arrays.copyOfRange(ids, 0, cut));
          writeIds(val, Arrays.copyOfRange(ids, cut, ids.length));
          System.out.printf("%d tokens (vocab %d)%n", ids.length, bpe.vocabSize());
        }
        int n = steps > 0 ? steps : 40;
        OptimizerSettings optim = new OptimizerSettings(1e-3, 1e-4, Math.min(10, n), n, 0.9, 0.99, 1e-8, 0.1, 1.0,
            1);
        return new Setup("bpe", new GptConfig(8192, 256, 6, 6, 384, 0.0, seed), 8, n, Math.max(1, n / 2), optim,
            train, val);
      }
      default -> {
        System.err.println("bench pretrain: --config must be shakespeare or bpe, not " + config);
        return null;
      }
    }
  }

  static Path writeIds(Path file, int[] ids) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(ids.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asIntBuffer().put(ids);
    Files.write(file, b.array());
    return file;
  }

  static int[] readIds(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    int[] ids = new int[b.remaining() / 4];
    b.asIntBuffer().get(ids);
    return ids;
  }

  private static void printTable(Setup s, List<JobStats> rows) {
    System.out.printf("%n%s: %s, batch %d, %d steps, seed %d%n", s.name(), s.model(), s.batchSize(), s.steps(),
        s.model().seed());
    System.out.println("| threads | llmforge tokens/s | PyTorch tokens/s (best env) | ratio | val loss llmforge / "
        + "PyTorch | gemm share | MFU (vs measured sgemm peak) |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (JobStats r : rows) {
      System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f (%s) | %.2fx | %s / %s | %s | %s |%n", r.get("threads"),
          (Double) r.get("llmforge_tokens_per_s"), (Double) r.get("pytorch_tokens_per_s"), r.get("pytorch_env"),
          (Double) r.get("ratio"), fmt(r.get("llmforge_val_loss")), fmt(r.get("pytorch_val_loss")),
          pct(r.get("llmforge_matmul_share")), pct(r.get("llmforge_mfu")));
    }
  }

  private static String fmt(Object v) {
    return v instanceof Number n ? String.format(Locale.ROOT, "%.4f", n.doubleValue()) : "-";
  }

  private static String pct(Object v) {
    return v instanceof Number n ? String.format(Locale.ROOT, "%.0f%%", 100 * n.doubleValue()) : "-";
  }
}
