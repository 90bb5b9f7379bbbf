package io.llmforge.trainer.bench;

import io.llmforge.trainer.engine.EngineProfile;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.metrics.Flops;
import io.llmforge.trainer.metrics.ProgressLine;
import io.llmforge.trainer.optim.OptimizerSettings;
import io.llmforge.trainer.loop.Trainer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * nanoGPT's training experiment on a stream of token ids, for comparing this trainer with PyTorch on the same data:
 * batches of random windows ({@code get_batch}), loss estimates over {@code evalIters} random batches per split
 * ({@code estimate_loss}), tokens/s over the training steps only. {@link #charLevel} gives nanoGPT's
 * {@code shakespeare_char} data (ids = sorted distinct characters, first 90% train); with its CPU settings (4 layers,
 * 4 heads, 128 wide, block 64, batch 12, 2000 iterations) nanoGPT reports a validation loss of about 1.88.
 */
public final class TrainingBenchmark {

  /**
   * @param losses      step -> {train, val} loss estimates
   * @param matmulShare share of the training time spent in matrix products (gemm and batched matmul)
   */
  public record Result(int vocabSize, long parameters, int steps, double trainLoss, double valLoss,
      double seconds, double tokensPerSecond, double matmulShare, Map<Integer, double[]> losses) {}

  private static final int LOG_INTERVAL = 50;
  private final int[] train;
  private final int[] val;
  private final int vocabSize;

  public TrainingBenchmark(int[] train, int[] val, int vocabSize) {
    this.train = train;
    this.val = val;
    this.vocabSize = vocabSize;
  }

  /** Character-level ids of a text (the sorted distinct characters), first 90% train, the rest validation. */
  public static TrainingBenchmark charLevel(String text) {
    TreeSet<Character> chars = new TreeSet<>();
    for (int i = 0; i < text.length(); i++) {
      chars.add(text.charAt(i));
    }
    List<Character> vocab = new ArrayList<>(chars);
    Map<Character, Integer> ids = new LinkedHashMap<>();
    for (int i = 0; i < vocab.size(); i++) {
      ids.put(vocab.get(i), i);
    }
    int[] all = new int[text.length()];
    for (int i = 0; i < all.length; i++) {
      all[i] = ids.get(text.charAt(i));
    }
    int n = (int) (0.9 * all.length);
    return new TrainingBenchmark(Arrays.copyOfRange(all, 0, n), Arrays.copyOfRange(all, n, all.length),
        vocab.size());
  }

  public int vocabSize() {
    return vocabSize;
  }

  public int[] trainIds() {
    return train;
  }

  public int[] valIds() {
    return val;
  }

  /**
   * Trains from scratch and reports losses every {@code evalInterval} steps and at the end; the progress line's MFU
   * is against {@code peakTflops} (0: not shown).
   */
  public Result run(GptConfig config, OptimizerSettings optim, int batchSize, int steps, int evalInterval,
      int evalIters, double peakTflops, PrintStream log) {
    if (config.vocabSize() != vocabSize) {
      throw new IllegalArgumentException("config vocab " + config.vocabSize() + " != data vocab " + vocabSize);
    }
    Random random = new Random(config.seed());
    GptEngine model = new GptEngine(config);
    Trainer trainer = new Trainer(model, optim);
    Map<Integer, double[]> losses = new LinkedHashMap<>();
    long trainNanos = 0;
    long tokens = 0;
    EngineProfile.enable(true);
    EngineProfile.reset();
    long matmulNanos = 0;
    double lastVal = Double.NaN;
    try {
      for (int step = 0; step <= steps; step++) {
        if (step % evalInterval == 0 || step == steps) {
          long before = EngineProfile.matmulNanos();
          double[] estimate = {estimate(model, train, batchSize, evalIters, random),
              estimate(model, val, batchSize, evalIters, random)};
          matmulNanos -= EngineProfile.matmulNanos() - before; // evaluation is not training time
          losses.put(step, estimate);
          lastVal = estimate[1];
          log.printf(Locale.ROOT, "step %d: train loss %.4f, val loss %.4f, %.0f tokens/s%n", step, estimate[0],
              estimate[1], trainNanos == 0 ? 0.0 : tokens / (trainNanos / 1e9));
        }
        if (step == steps) {
          break;
        }
        List<int[][]> micro = new ArrayList<>();
        for (int i = 0; i < optim.gradAccumSteps(); i++) {
          micro.add(batch(train, batchSize, config.blockSize(), random));
        }
        long t0 = System.nanoTime();
        Trainer.StepResult result = trainer.step(micro);
        trainNanos += System.nanoTime() - t0;
        tokens += (long) batchSize * optim.gradAccumSteps() * config.blockSize();
        if ((step + 1) % LOG_INTERVAL == 0) {
          double tokensPerSecond = tokens / (trainNanos / 1e9);
          log.println(ProgressLine.format(step + 1, steps, result.loss(), lastVal, result.learningRate(),
              tokensPerSecond, Flops.mfu(config, model.parameters().count(), tokensPerSecond, peakTflops),
              (steps - step - 1) * (trainNanos / 1e9) / (step + 1)));
        }
      }
      matmulNanos += EngineProfile.matmulNanos();
    } finally {
      EngineProfile.enable(false);
    }
    double[] last = losses.get(steps);
    double seconds = trainNanos / 1e9;
    return new Result(vocabSize, model.parameters().count(), steps, last[0], last[1], seconds, tokens / seconds,
        trainNanos == 0 ? 0 : matmulNanos / (double) trainNanos, losses);
  }

  private static double estimate(GptEngine model, int[] data, int batchSize, int iters, Random random) {
    double sum = 0;
    for (int i = 0; i < iters; i++) {
      sum += Trainer.loss(model, batch(data, batchSize, model.config().blockSize(), random));
    }
    return sum / iters;
  }

  /** {@code batchSize} random windows of {@code blockSize + 1} ids (nanoGPT's get_batch). */
  static int[][] batch(int[] data, int batchSize, int blockSize, Random random) {
    int[][] rows = new int[batchSize][];
    for (int b = 0; b < batchSize; b++) {
      int start = random.nextInt(data.length - blockSize - 1);
      rows[b] = Arrays.copyOfRange(data, start, start + blockSize + 1);
    }
    return rows;
  }
}
