package io.llmforge.jobs;

import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.checkpoint.SafeTensors;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.Parameters;
import io.llmforge.trainer.generate.Generator;
import io.llmforge.trainer.generate.Sampler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Generation throughput of this engine against PyTorch on the same weights, at each thread count: greedy decoding of
 * {@code --new-tokens} tokens after a prompt of {@code --prompt-len} ids for {@code --batch-size} rows, four ways:
 * llmforge with its KV cache ({@link Generator#generate}), llmforge recomputing the whole context for every token
 * ({@link Generator#generateRecompute}, nanoGPT's loop and what generation did before the cache), and
 * {@code pytorch_reference.py generate}'s KV-cache and recompute loops. The weights are written once as safetensors
 * under {@code --out/data} and read by both sides (random initialisation, or a trained {@code --checkpoint}); the
 * greedy tokens of all loops are compared and the comparison reported (not enforced: with random weights greedy
 * decoding soon repeats itself, and a float near-tie deep into such a sequence may legitimately break the other
 * way). Each side at each thread count runs in its own process (OpenMP reads its thread count once per process);
 * PyTorch runs with {@code OPENBLAS_NUM_THREADS=1} and {@code =threads} and its better figure is the one compared.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Greedy generation tokens/s: llmforge (KV cache, recompute) vs PyTorch, same weights and threads.")
final class GenerateBenchCommand implements Callable<Integer> {
  @Option(names = "--config", defaultValue = "bpe",
      description = "bpe (vocab 8192, 6 layers x 6 heads x 384, block 256) or shakespeare (nanoGPT's char-level CPU "
          + "model: vocab 65, 4x4x128, block 64); random initialisation (default: ${DEFAULT-VALUE}).")
  String config;

  @Option(names = "--checkpoint", paramLabel = "DIR",
      description = "A trained model instead (a pretrain run folder or one step-N folder): its config and weights.")
  Path checkpoint;

  @Option(names = "--new-tokens", defaultValue = "256",
      description = "Tokens to generate per row, capped so that the context fits the block "
          + "(default: ${DEFAULT-VALUE}).")
  int newTokens;

  @Option(names = "--prompt-len", defaultValue = "1", description = "Prompt ids per row (default: ${DEFAULT-VALUE}).")
  int promptLen;

  @Option(names = "--batch-size", defaultValue = "1",
      description = "Rows generated together (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--threads", split = ",", defaultValue = "1,2",
      description = "Thread counts to measure, comma-separated (default: ${DEFAULT-VALUE}).")
  List<Integer> threads;

  @Option(names = "--repeats", defaultValue = "3",
      description = "Timed runs of each loop after one warm-up; the best counts (default: ${DEFAULT-VALUE}).")
  int repeats;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "work/bench",
      description = "Where the JSON results and the weights and prompt files go (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--python", paramLabel = "EXE", defaultValue = "/usr/bin/python3",
      description = "Python with torch (Debian: apt-get install python3-torch libopenblas0-pthread); \"\" skips it.")
  String python;

  @Option(names = "--pytorch-script", paramLabel = "FILE", defaultValue = "trainer/bench/pytorch_reference.py",
      description = "The PyTorch reference script (default: ${DEFAULT-VALUE}).")
  Path pytorchScript;

  @Option(names = "--in-process", hidden = true, description = "Run this engine here and print its JSON line.")
  boolean inProcess;

  /** What is measured: the model, its weights file, the prompts file and the (capped) token count. */
  record Setup(String name, GptConfig model, Path weights, Path prompts, int newTokens) {}

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
      BenchProcess.Sides sides = BenchProcess.measure(n, childCommand(setup, n),
          python.isBlank() ? null : pytorchCommand(setup, n));
      Map<String, Object> ours = sides.ours();
      List<Map<String, Object>> torchRuns = sides.torchRuns();
      Map<String, Object> torch = sides.bestTorch("kv_cache_tokens_per_s");
      Map<String, Object> torchRecompute = sides.bestTorch("recompute_tokens_per_s");
      double ourKv = BenchProcess.number(ours, "tokens_per_s");
      double ourRecompute = BenchProcess.number(ours, "recompute_tokens_per_s");
      double torchKv = BenchProcess.number(torch, "kv_cache_tokens_per_s");
      double torchRe = BenchProcess.number(torchRecompute, "recompute_tokens_per_s");
      Object sameAsTorch = ours.get("tokens") instanceof List<?> a && torch.get("tokens") instanceof List<?> b
          ? (Object) numbersEqual(a, b) : "skipped";
      JobStats row = new JobStats()
          .put("benchmark", "generate " + setup.name())
          .put("config", setup.name())
          .put("model", setup.model().toString())
          .put("weights", setup.weights().toString())
          .put("decoding", "greedy")
          .put("new_tokens", setup.newTokens())
          .put("batch_size", batchSize)
          .put("prompt_len", promptLen)
          .put("threads", n)
          .put("llmforge_tokens_per_s", finite(ourKv))
          .put("llmforge_recompute_tokens_per_s", finite(ourRecompute))
          .put("pytorch_tokens_per_s", finite(torchKv))
          .put("pytorch_recompute_tokens_per_s", finite(torchRe))
          .put("ratio", finite(ourKv / torchKv))
          .put("recompute_ratio", finite(ourRecompute / torchRe))
          .put("llmforge_cache_speedup", finite(ourKv / ourRecompute))
          .put("pytorch_cache_speedup", finite(torchKv / torchRe))
          .put("llmforge_same_tokens", ours.get("same_tokens"))
          .put("pytorch_same_tokens", torch.get("same_tokens"))
          .put("same_tokens_as_pytorch", sameAsTorch)
          .put("first_difference_from_pytorch", ours.get("tokens") instanceof List<?> a
              && torch.get("tokens") instanceof List<?> b ? firstDifference(a, b) : null)
          .put("pytorch_env", torch.get("env"))
          .put("pytorch_recompute_env", torchRecompute.get("env"))
          .put("pytorch_runs", torchRuns.stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("env", String.valueOf(r.get("env")));
            m.put("kv_cache_tokens_per_s", finite(BenchProcess.number(r, "kv_cache_tokens_per_s")));
            m.put("recompute_tokens_per_s", finite(BenchProcess.number(r, "recompute_tokens_per_s")));
            if (r.containsKey("skipped")) {
              m.put("skipped", r.get("skipped"));
            }
            return m;
          }).toList())
          .put("llmforge", ours)
          .put("pytorch", torch);
      rows.add(row);
      Files.createDirectories(out);
      Path file = out.resolve("generate-" + setup.name() + "-" + n + "t.json");
      Files.writeString(file, row.toJson());
      System.out.println("wrote " + file);
    }
    printTable(setup, rows);
    return 0;
  }

  private List<String> childCommand(Setup s, int n) {
    List<String> cmd = BenchProcess.thisJvm(Llmforge.class.getName());
    cmd.addAll(List.of("bench", "generate", "--in-process", "--config", config, "--out", out.toString(),
        "--new-tokens", String.valueOf(s.newTokens()), "--prompt-len", String.valueOf(promptLen),
        "--batch-size", String.valueOf(batchSize), "--threads", String.valueOf(n),
        "--repeats", String.valueOf(repeats)));
    if (checkpoint != null) {
      cmd.addAll(List.of("--checkpoint", checkpoint.toString()));
    }
    return cmd;
  }

  private List<String> pytorchCommand(Setup s, int n) {
    GptConfig m = s.model();
    return List.of(python, pytorchScript.toString(), "generate", "--weights", s.weights().toString(),
        "--ids", s.prompts().toString(), "--vocab", String.valueOf(m.vocabSize()),
        "--block", String.valueOf(m.blockSize()), "--layers", String.valueOf(m.nLayer()),
        "--heads", String.valueOf(m.nHead()), "--embd", String.valueOf(m.nEmbd()),
        "--threads", String.valueOf(n), "--dtype", "float32", "--prompt-len", String.valueOf(promptLen),
        "--new-tokens", String.valueOf(s.newTokens()), "--batch-size", String.valueOf(batchSize),
        "--repeats", String.valueOf(repeats));
  }

  /** This engine on the prepared weights and prompts, at the thread count the environment gives this process. */
  private JobStats runHere(Setup s, int n) throws IOException {
    String env = System.getenv("OMP_NUM_THREADS");
    if (env != null && !env.equals(String.valueOf(n))) {
      System.out.println("note: OMP_NUM_THREADS=" + env + " but --threads " + n + "; OpenMP uses the former");
    }
    GptEngine engine = new GptEngine(s.model());
    loadSafeTensors(s.weights(), engine);
    int[] ids = PretrainBenchCommand.readIds(s.prompts());
    List<int[]> prompts = new ArrayList<>();
    for (int r = 0; r < batchSize; r++) {
      prompts.add(Arrays.copyOfRange(ids, r * promptLen, (r + 1) * promptLen)); // row r: ids [r p, (r + 1) p)
    }
    Generator generator = new Generator(engine, Sampler.greedy(), s.model().seed());
    int tokens = s.newTokens() * batchSize;
    System.out.printf(Locale.ROOT, "%s: %d parameters, %d x (%d prompt + %d new) ids, greedy, %d threads%n",
        s.model(), engine.parameters().count(), batchSize, promptLen, s.newTokens(), n);
    List<int[]> cached = null;
    List<int[]> recomputed = null;
    double bestCached = Double.POSITIVE_INFINITY;
    double bestRecompute = Double.POSITIVE_INFINITY;
    List<Double> cachedSeconds = new ArrayList<>();
    List<Double> recomputeSeconds = new ArrayList<>();
    for (int repeat = 0; repeat <= repeats; repeat++) { // repeat 0 warms up (JIT, buffers) and is not counted
      long t0 = System.nanoTime();
      cached = generator.generate(prompts, s.newTokens(), null);
      double kv = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      recomputed = recompute(generator, engine, prompts, s.newTokens());
      double re = (System.nanoTime() - t0) / 1e9;
      String what = repeat == 0 ? "warm-up" : "repeat " + repeat;
      System.out.printf(Locale.ROOT, "%s: kv_cache %.1f tok/s, recompute %.1f tok/s%n", what, tokens / kv,
          tokens / re);
      if (repeat > 0) {
        cachedSeconds.add(kv);
        recomputeSeconds.add(re);
        bestCached = Math.min(bestCached, kv);
        bestRecompute = Math.min(bestRecompute, re);
      }
    }
    boolean same = true;
    for (int r = 0; r < batchSize; r++) {
      same &= Arrays.equals(cached.get(r), recomputed.get(r));
    }
    if (!same) {
      System.out.println("warning: the KV-cache and recompute loops generated different tokens");
    }
    int[] row0 = cached.get(0);
    return new JobStats()
        .put("trainer", "llmforge (ND4J 1.0.0-M2.1, hand-written engine)")
        .put("threads", n)
        .put("omp_threads", env)
        .put("parameters", engine.parameters().count())
        .put("new_tokens", s.newTokens())
        .put("batch_size", batchSize)
        .put("prompt_len", promptLen)
        .put("tokens_per_s", tokens / bestCached)
        .put("recompute_tokens_per_s", tokens / bestRecompute)
        .put("kv_cache_seconds", cachedSeconds)
        .put("recompute_seconds", recomputeSeconds)
        .put("same_tokens", same)
        .put("tokens", Arrays.stream(Arrays.copyOfRange(row0, promptLen, row0.length)).boxed().toList());
  }

  /**
   * The recompute baseline: {@link Generator#generateRecompute} for one row; for several, the same loop batched
   * (one full forward over every row's context per token, as nanoGPT's generate runs a batch), greedy.
   */
  private static List<int[]> recompute(Generator generator, GptEngine engine, List<int[]> prompts, int newTokens) {
    if (prompts.size() == 1) {
      return List.of(generator.generateRecompute(prompts.get(0), newTokens, null));
    }
    Sampler greedy = Sampler.greedy();
    int b = prompts.size();
    int p = prompts.get(0).length;
    int block = engine.config().blockSize();
    int[][] seq = new int[b][];
    for (int r = 0; r < b; r++) {
      seq[r] = Arrays.copyOf(prompts.get(r), p + newTokens);
    }
    for (int i = 0; i < newTokens; i++) {
      int length = p + i;
      int from = Math.max(0, length - block);
      int[][] context = new int[b][];
      for (int r = 0; r < b; r++) {
        context[r] = Arrays.copyOfRange(seq[r], from, length);
      }
      int t = length - from;
      INDArray logits = engine.forward(context, null).logits(); // [B*T, V]
      for (int r = 0; r < b; r++) {
        seq[r][length] = greedy.sample(logits.getRow((long) r * t + t - 1).toDoubleVector(), null);
      }
    }
    return Arrays.asList(seq);
  }

  /** Copies every tensor of a safetensors file into the engine by name (all of the engine's must be there). */
  static void loadSafeTensors(Path file, GptEngine engine) throws IOException {
    Map<String, INDArray> tensors = SafeTensors.read(file).tensors();
    Parameters p = engine.parameters();
    for (String name : p.names()) {
      INDArray value = tensors.get(name);
      if (value == null || !Arrays.equals(value.shape(), p.value(name).shape())) {
        throw new IllegalStateException(file + " has no tensor " + name + " of shape "
            + Arrays.toString(p.value(name).shape()));
      }
      p.value(name).assign(value.castTo(p.dataType()));
    }
  }

  /**
   * The model and, in the parent, its weights (random init or the checkpoint's) and prompts written under
   * --out/data; the child reads them.
   */
  private Setup prepare() throws IOException {
    String name;
    GptConfig model;
    Path folder = null;
    if (checkpoint != null) {
      folder = Checkpoint.resolve(checkpoint, System.err);
      model = Checkpoint.readConfig(folder);
      name = "checkpoint";
    } else {
      switch (config) {
        case "bpe" -> model = new GptConfig(8192, 256, 6, 6, 384, 0.0, 1337);
        case "shakespeare" -> model = GptConfig.nanoGptCpu(65, 1337);
        default -> {
          System.err.println("bench generate: --config must be bpe or shakespeare, not " + config);
          return null;
        }
      }
      name = config;
    }
    int block = model.blockSize();
    if (promptLen < 1 || promptLen > block) {
      System.err.println("bench generate: --prompt-len must be in [1, block size " + block + "], not " + promptLen);
      return null;
    }
    if (newTokens < 1 || batchSize < 1 || repeats < 1 || threads.isEmpty()) {
      System.err.println("bench generate: --new-tokens, --batch-size and --repeats must be >= 1, and --threads "
          + "name at least one count");
      return null;
    }
    int fits = block - promptLen + 1; // the last token is decoded from a context of prompt + new - 1 <= block ids
    int n = Math.min(newTokens, fits);
    if (n < newTokens && !inProcess) {
      System.out.printf("note: %s has block size %d: %d new tokens after a prompt of %d fill the context, so "
          + "--new-tokens %d is capped to %d%n", name, block, fits, promptLen, newTokens, n);
    }
    Path dir = out.resolve("data");
    Path weights = dir.resolve("generate-" + name + ".safetensors");
    Path prompts = dir.resolve("generate-" + name + "-b" + batchSize + "-p" + promptLen + ".i32");
    if (!inProcess) {
      Files.createDirectories(dir);
      GptEngine engine = new GptEngine(model);
      if (folder != null) {
        Checkpoint.loadWeights(folder, engine);
        System.out.println("weights of " + folder);
      } else {
        System.out.println("random initialisation (seed " + model.seed() + "); greedy output of random weights "
            + "soon repeats itself, which does not change the cost per token");
      }
      SafeTensors.write(weights, engine.parameters().valuesByName(), Map.of());
      int[] ids = new int[batchSize * promptLen];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = i % model.vocabSize(); // the PyTorch script's default prompts
      }
      PretrainBenchCommand.writeIds(prompts, ids);
      System.out.println("wrote " + weights + " and " + prompts);
    }
    return new Setup(name, model, weights, prompts, n);
  }

  private static boolean numbersEqual(List<?> a, List<?> b) {
    return firstDifference(a, b) == null;
  }

  /** The first index where two token lists differ (a length difference counts), or null. */
  private static Integer firstDifference(List<?> a, List<?> b) {
    for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
      if (i >= a.size() || i >= b.size()
          || ((Number) a.get(i)).longValue() != ((Number) b.get(i)).longValue()) {
        return i;
      }
    }
    return null;
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }

  private static void printTable(Setup s, List<JobStats> rows) {
    System.out.printf("%n%s: %s, greedy, batch %d, prompt %d, %d new tokens%n", s.name(), s.model(), rowsBatch(rows),
        rowsPrompt(rows), s.newTokens());
    System.out.println("| threads | llmforge KV cache tok/s | llmforge recompute tok/s | PyTorch KV cache tok/s (best "
        + "env) | PyTorch recompute tok/s | ratio KV llmforge/PyTorch | cache speed-up llmforge / PyTorch | "
        + "llmforge KV = recompute tokens | same tokens as PyTorch |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    for (JobStats r : rows) {
      Object torchKv = r.get("pytorch_tokens_per_s");
      System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s / %s | %s | %s |%n", r.get("threads"),
          rate(r.get("llmforge_tokens_per_s")), rate(r.get("llmforge_recompute_tokens_per_s")),
          torchKv == null ? "skipped" : rate(torchKv) + " (" + envLabel(r.get("pytorch_env")) + ")",
          r.get("pytorch_recompute_tokens_per_s") == null ? "skipped" : rate(r.get("pytorch_recompute_tokens_per_s")),
          times(r.get("ratio")), times(r.get("llmforge_cache_speedup")), times(r.get("pytorch_cache_speedup")),
          yesNo(r.get("llmforge_same_tokens")), sameLabel(r));
    }
    for (JobStats r : rows) {
      for (String side : List.of("llmforge", "pytorch")) {
        if (r.get(side) instanceof Map<?, ?> m && m.get("skipped") != null) {
          System.out.println(side + " at " + r.get("threads") + " threads skipped: " + m.get("skipped"));
        }
      }
    }
  }

  private static Object rowsBatch(List<JobStats> rows) {
    return rows.isEmpty() ? "-" : rows.get(0).get("batch_size");
  }

  private static Object rowsPrompt(List<JobStats> rows) {
    return rows.isEmpty() ? "-" : rows.get(0).get("prompt_len");
  }

  private static String sameLabel(JobStats r) {
    Object same = r.get("same_tokens_as_pytorch");
    if (Boolean.FALSE.equals(same)) {
      return "no (first difference at new token " + r.get("first_difference_from_pytorch") + ")";
    }
    return Boolean.TRUE.equals(same) ? "yes" : String.valueOf(same);
  }

  private static String yesNo(Object v) {
    return Boolean.TRUE.equals(v) ? "yes" : Boolean.FALSE.equals(v) ? "no" : "-";
  }

  private static String envLabel(Object env) {
    return env instanceof Map<?, ?> m && m.get("OPENBLAS_NUM_THREADS") != null
        ? "OPENBLAS_NUM_THREADS=" + m.get("OPENBLAS_NUM_THREADS") : String.valueOf(env);
  }

  private static String rate(Object v) {
    return v instanceof Number n ? String.format(Locale.ROOT, "%.1f", n.doubleValue()) : "-";
  }

  private static String times(Object v) {
    return v instanceof Number n ? String.format(Locale.ROOT, "%.2fx", n.doubleValue()) : "-";
  }
}
