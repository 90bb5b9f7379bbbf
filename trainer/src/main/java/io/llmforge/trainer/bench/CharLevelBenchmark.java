package io.llmforge.trainer.bench;

import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.metrics.ProgressLine;
import io.llmforge.trainer.optim.OptimizerSettings;
import io.llmforge.trainer.pretrain.Trainer;
import io.llmforge.trainer.reference.GptModel;

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
 * nanoGPT's {@code shakespeare_char} experiment, for comparing this trainer with PyTorch: character-level ids (the
 * sorted distinct characters of the text), the first 90% for training and the rest for validation, batches of
 * random windows ({@code get_batch}), and loss estimates over {@code evalIters} random batches per split
 * ({@code estimate_loss}). With nanoGPT's CPU settings (4 layers, 4 heads, 128 wide, block 64, batch 12, 2000
 * iterations) nanoGPT reports a validation loss of about 1.88.
 */
public final class CharLevelBenchmark {

  /** @param losses step -> {train, val} loss estimates */
  public record Result(int vocabSize, long parameters, int steps, double trainLoss, double valLoss,
      double seconds, double tokensPerSecond, Map<Integer, double[]> losses) {}

  private static final int LOG_INTERVAL = 50;
  private final int[] train;
  private final int[] val;
  private final int vocabSize;

  public CharLevelBenchmark(String text) {
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
    this.train = Arrays.copyOfRange(all, 0, n);
    this.val = Arrays.copyOfRange(all, n, all.length);
    this.vocabSize = vocab.size();
  }

  public int vocabSize() {
    return vocabSize;
  }

  /** Trains from scratch and reports losses every {@code evalInterval} steps and at the end. */
  public Result run(GptConfig config, OptimizerSettings optim, int batchSize, int steps, int evalInterval,
      int evalIters, PrintStream log) {
    if (config.vocabSize() != vocabSize) {
      throw new IllegalArgumentException("config vocab " + config.vocabSize() + " != text vocab " + vocabSize);
    }
    Random random = new Random(config.seed());
    GptModel model = new GptModel(config);
    Trainer trainer = new Trainer(model, optim);
    Map<Integer, double[]> losses = new LinkedHashMap<>();
    long trainNanos = 0;
    long tokens = 0;
    for (int step = 0; step <= steps; step++) {
      if (step % evalInterval == 0 || step == steps) {
        double[] estimate = {estimate(model, train, batchSize, evalIters, random),
            estimate(model, val, batchSize, evalIters, random)};
        losses.put(step, estimate);
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
        log.println(ProgressLine.format(step + 1, steps, result.loss(), losses.get(step + 1 - (step + 1)
            % evalInterval) == null ? Double.NaN : losses.get(step + 1 - (step + 1) % evalInterval)[1],
            result.learningRate(), tokensPerSecond, 0, (steps - step - 1) * (trainNanos / 1e9) / (step + 1)));
      }
    }
    double[] last = losses.get(steps);
    double seconds = trainNanos / 1e9;
    return new Result(vocabSize, model.parameterCount(), steps, last[0], last[1], seconds, tokens / seconds, losses);
  }

  private static double estimate(GptModel model, int[] data, int batchSize, int iters, Random random) {
    double sum = 0;
    for (int i = 0; i < iters; i++) {
      sum += model.loss(model.batch(batch(data, batchSize, model.config().blockSize(), random)));
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
