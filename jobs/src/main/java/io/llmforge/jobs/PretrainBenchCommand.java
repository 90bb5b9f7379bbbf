package io.llmforge.jobs;

import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.bench.CharLevelBenchmark;
import io.llmforge.trainer.metrics.Flops;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.optim.OptimizerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * nanoGPT's shakespeare_char CPU run on this trainer (4 layers, 4 heads, 128 wide, block 64, batch 12, 2000 steps,
 * lr 1e-3 -> 1e-4, 20 eval batches): tokens/s and the final train/val loss, to set next to PyTorch's (nanoGPT
 * reports val loss ~1.88 for this configuration).
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
    description = "Char-level GPT on tinyshakespeare at nanoGPT's CPU config: tokens/s and val loss.")
final class PretrainBenchCommand implements Callable<Integer> {
  @Option(names = "--data", paramLabel = "DIR", defaultValue = "../shared/data/text",
      description = "Folder with tinyshakespeare.txt (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--out", paramLabel = "FILE", defaultValue = "work/bench/pretrain-shakespeare.json",
      description = "Where to write the JSON result (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--steps", defaultValue = "2000", description = "Optimiser steps (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--batch-size", defaultValue = "12", description = "Rows per step (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--eval-iters", defaultValue = "20",
      description = "Random batches per loss estimate (default: ${DEFAULT-VALUE}).")
  int evalIters;

  @Option(names = "--threads", defaultValue = "0",
      description = "CPU threads for both trainers; 0 = all cores (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--python", paramLabel = "EXE", defaultValue = "/usr/bin/python3",
      description = "Python with torch (Debian: apt-get install python3-torch) for the PyTorch row; \"\" skips it "
          + "(default: ${DEFAULT-VALUE}).")
  String python;

  @Option(names = "--pytorch-script", paramLabel = "FILE", defaultValue = "trainer/bench/pytorch_reference.py",
      description = "The PyTorch reference script (default: ${DEFAULT-VALUE}).")
  Path pytorchScript;

  @Option(names = "--peak-tflops", defaultValue = "1.0",
      description = "Hardware peak for the MFU figure (default: ${DEFAULT-VALUE}).")
  double peakTflops;

  @Override
  public Integer call() throws IOException {
    Path text = data.resolve("tinyshakespeare.txt");
    if (!Files.isRegularFile(text)) {
      System.err.println("bench pretrain: " + text + " not found (it is in ../shared/data/text; pass --data DIR)");
      return 2;
    }
    int cores = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    Nd4j.getEnvironment().setMaxThreads(cores);
    Nd4j.getEnvironment().setMaxMasterThreads(cores);
    CharLevelBenchmark bench = new CharLevelBenchmark(Files.readString(text));
    GptConfig config = GptConfig.nanoGptCpu(bench.vocabSize(), 1337);
    OptimizerSettings optim = OptimizerSettings.nanoGptShakespeare();
    CharLevelBenchmark.Result r = bench.run(config, optim, batchSize, steps, 250, evalIters, System.out);
    double mfu = Flops.mfu(config, r.parameters(), r.tokensPerSecond(), peakTflops);

    System.out.printf("%n| trainer | params | steps | train loss | val loss | tokens/s | train s | MFU |%n");
    System.out.printf("|---|---|---|---|---|---|---|---|%n");
    System.out.printf("| llmforge (DL4J %s, %d threads) | %.2fM | %d | %.4f | %.4f | %.0f | %.1f | %.2f%% |%n",
        "1.0.0-M2.1", cores, r.parameters() / 1e6, r.steps(), r.trainLoss(),
        r.valLoss(), r.tokensPerSecond(), r.seconds(), 100 * mfu);
    Map<String, Object> pytorch = python.isBlank()
        ? Map.of("skipped", "--python \"\"") : PytorchReference.run(python, pytorchScript, text, steps,
        batchSize, cores);
    if (pytorch.containsKey("tokens_per_s")) {
      double tps = number(pytorch, "tokens_per_s");
      long params = (long) number(pytorch, "parameters");
      System.out.printf("| %s (%d threads) | %.2fM | %d | %.4f | %.4f | %.0f | %.1f | %.2f%% |%n",
          pytorch.get("trainer"), cores, params / 1e6, steps, number(pytorch, "train_loss"),
          number(pytorch, "val_loss"), tps, number(pytorch, "train_seconds"),
          100 * Flops.mfu(config, params, tps, peakTflops));
      System.out.printf("%ntokens/s llmforge / PyTorch: %.2fx%n", r.tokensPerSecond() / tps);
    } else {
      System.out.println("| PyTorch | skipped: " + pytorch.get("skipped") + " |");
    }
    System.out.printf("| nanoGPT (PyTorch, CPU, reported) | 0.80M | 2000 | - | ~1.88 | - | - | - |%n");

    Map<String, Object> losses = new LinkedHashMap<>();
    r.losses().forEach((step, l) -> losses.put(String.valueOf(step), Map.of("train", l[0], "val", l[1])));
    JobStats json = new JobStats()
        .put("benchmark", "nanoGPT shakespeare_char, CPU config")
        .put("config", config.toString())
        .put("parameters", r.parameters())
        .put("steps", r.steps())
        .put("batch_size", batchSize)
        .put("train_loss", r.trainLoss())
        .put("val_loss", r.valLoss())
        .put("tokens_per_s", r.tokensPerSecond())
        .put("train_seconds", r.seconds())
        .put("mfu", mfu)
        .put("peak_tflops", peakTflops)
        .put("processors", Runtime.getRuntime().availableProcessors())
        .put("threads", cores)
        .put("pytorch", pytorch)
        .put("losses", losses)
        .put("nanogpt_reported_val_loss", 1.88);
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, json.toJson());
    System.out.println("wrote " + out);
    return 0;
  }

  private static double number(Map<String, Object> json, String key) {
    return ((Number) json.get(key)).doubleValue();
  }
}
