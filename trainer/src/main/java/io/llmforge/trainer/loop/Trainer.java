package io.llmforge.trainer.loop;

import io.llmforge.trainer.data.TokenRows;
import io.llmforge.trainer.distributed.GradientAveraging;
import io.llmforge.trainer.distributed.WorkerGroup;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.Parameters;
import io.llmforge.trainer.optim.AdamW;
import io.llmforge.trainer.optim.GradientClipping;
import io.llmforge.trainer.optim.LrSchedule;
import io.llmforge.trainer.optim.OptimizerSettings;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One optimiser step of the next-token loss on the engine, shared by pretraining and SFT: for each of
 * {@code gradAccumSteps} micro-batches, forward and backward of the mean cross-entropy over the step's targets
 * ({@code dL/dlogp = -1 / targets} on every target; a target of -1 is no target, so SFT's loss mask and padding are
 * just -1s), gradients accumulating in the engine's flat buffer; then the buffer is averaged across data-parallel
 * workers, clipped, and AdamW steps at the scheduled learning rate. Every worker takes the same step, so replicas stay
 * identical. Pretraining rows have a target everywhere, which makes this nanoGPT's loss.
 */
public final class Trainer {
  private final GptEngine engine;
  private final OptimizerSettings settings;
  private final LrSchedule schedule;
  private final AdamW optimizer;

  /**
   * @param gradNorm global gradient norm before clipping
   * @param targets  this worker's units of the loss: target tokens for the next-token loss, pairs for a reward model
   */
  public record StepResult(long step, double loss, double learningRate, double gradNorm, long targets) {}

  /** Summed next-token loss of a batch and the number of targets it covers. */
  public record Loss(double sum, long targets) {
    public double mean() {
      return targets == 0 ? Double.NaN : sum / targets;
    }

    public Loss plus(Loss other) {
      return new Loss(sum + other.sum, targets + other.targets);
    }
  }

  public Trainer(GptEngine engine, OptimizerSettings settings) {
    this.engine = engine;
    this.settings = settings;
    this.schedule = settings.schedule();
    this.optimizer = new AdamW(settings, engine.parameters());
  }

  public GptEngine engine() {
    return engine;
  }

  public AdamW optimizer() {
    return optimizer;
  }

  /** Optimiser steps taken so far. */
  public long step() {
    return optimizer.steps();
  }

  /** One optimiser step on {@code gradAccumSteps} micro-batches of shard rows ({@code T + 1} ids each). */
  public StepResult step(List<int[][]> microBatches) {
    return step(microBatches, WorkerGroup.single());
  }

  /** One data-parallel step on shard rows: this worker's micro-batches; gradients averaged over {@code group}. */
  public StepResult step(List<int[][]> microBatches, WorkerGroup group) {
    return stepOn(microBatches.stream().map(TokenRows::shifted).toList(), group);
  }

  /**
   * One data-parallel step on inputs and targets (-1: no loss): the loss is the mean over every target of the step,
   * all micro-batches of all workers together, so a row with more targets weighs more (nanoGPT's and TRL's token
   * mean, with Hugging Face's {@code average_tokens_across_devices}).
   */
  public StepResult stepOn(List<TokenRows> microBatches, WorkerGroup group) {
    if (microBatches.size() != settings.gradAccumSteps()) {
      throw new IllegalArgumentException("expected " + settings.gradAccumSteps() + " micro-batches, got "
          + microBatches.size());
    }
    long targets = 0;
    for (TokenRows batch : microBatches) {
      targets += countTargets(batch);
    }
    return step(targets, group, scale -> {
      double lossSum = 0;
      for (TokenRows batch : microBatches) {
        lossSum += forwardBackward(batch, scale);
      }
      return lossSum;
    });
  }

  /**
   * The loss of one step on this worker: runs forward and backward over the step's micro-batches, adding the
   * gradient of {@code scale x} (the summed loss) into the engine's gradient buffer, and returns the summed loss.
   */
  @FunctionalInterface
  public interface Objective {
    double forwardBackward(double scale);
  }

  /**
   * One data-parallel optimiser step of any summed loss (next-token, Bradley-Terry, DPO...): the loss is the mean over
   * the {@code units} (targets, pairs) of all workers together, so each worker scales its sum by size / (all units)
   * and the all-reduce's average then gives exactly a single process's mean, however the units are spread. Then the
   * gradients are clipped and AdamW steps at the scheduled learning rate.
   */
  public StepResult step(long units, WorkerGroup group, Objective objective) {
    long allUnits = group.size() == 1 ? units
        : Math.round(GradientAveraging.average((double) units, group) * group.size());
    if (allUnits == 0) {
      throw new IllegalArgumentException("the step's micro-batches have nothing to learn from (no targets)");
    }
    double scale = (double) group.size() / allUnits;
    Parameters p = engine.parameters();
    p.zeroGradients();
    engine.train(true, optimizer.steps());
    double lossSum = objective.forwardBackward(scale);
    engine.train(false, optimizer.steps());
    double loss = GradientAveraging.average(p.gradients(), lossSum * scale, group);
    long step = optimizer.steps();
    double lr = schedule.at(step);
    double norm = GradientClipping.clip(p.gradients(), settings.gradClip());
    optimizer.step(p, lr);
    return new StepResult(step, loss, lr, norm, units);
  }

  /** Summed cross-entropy of one micro-batch; its gradient, scaled by {@code scale}, is accumulated. */
  private double forwardBackward(TokenRows batch, double scale) {
    GptEngine.Forward f = engine.forward(batch.inputs(), batch.targets());
    double sum = -f.logProbs().sumNumber().doubleValue();
    float[] d = new float[batch.batch() * batch.time()];
    float g = (float) -scale;
    int i = 0;
    for (int[] row : batch.targets()) {
      for (int target : row) {
        d[i++] = target < 0 ? 0f : g;
      }
    }
    try (INDArray dLogProbs = Nd4j.createFromArray(d).reshape(batch.batch(), batch.time())
        .castTo(engine.dataType())) {
      engine.backward(dLogProbs, null);
    }
    return sum;
  }

  /** Mean next-token cross-entropy of shard rows, forward only. */
  public static double loss(GptEngine engine, int[][] rows) {
    return loss(engine, TokenRows.shifted(rows)).mean();
  }

  /** Summed cross-entropy and target count of inputs and targets (-1: none), forward only. */
  public static Loss loss(GptEngine engine, TokenRows batch) {
    GptEngine.Forward f = engine.forward(batch.inputs(), batch.targets());
    return new Loss(-f.logProbs().sumNumber().doubleValue(), countTargets(batch));
  }

  static long countTargets(TokenRows batch) {
    long n = 0;
    for (int[] row : batch.targets()) {
      for (int target : row) {
        if (target >= 0) {
          n++;
        }
      }
    }
    return n;
  }
}
