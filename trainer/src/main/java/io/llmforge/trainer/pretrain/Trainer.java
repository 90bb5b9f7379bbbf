package io.llmforge.trainer.pretrain;

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
 * One pretraining optimiser step on the engine: for each of {@code gradAccumSteps} micro-batches, forward and
 * backward of the mean next-token cross-entropy ({@code dL/dlogp = -1 / tokens} on every target), gradients
 * accumulating in the engine's flat buffer; then the buffer is averaged across data-parallel workers, clipped, and
 * AdamW steps at the scheduled learning rate. Every worker takes the same step, so replicas stay identical.
 */
public final class Trainer {
  private final GptEngine engine;
  private final OptimizerSettings settings;
  private final LrSchedule schedule;
  private final AdamW optimizer;
  private INDArray dLogProbs; // [B, T], -1 / (B T accum)

  /** @param gradNorm global gradient norm before clipping */
  public record StepResult(long step, double loss, double learningRate, double gradNorm) {}

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

  /** One data-parallel step: this worker's micro-batches; gradients averaged over {@code group}. */
  public StepResult step(List<int[][]> microBatches, WorkerGroup group) {
    if (microBatches.size() != settings.gradAccumSteps()) {
      throw new IllegalArgumentException("expected " + settings.gradAccumSteps() + " micro-batches, got "
          + microBatches.size());
    }
    Parameters p = engine.parameters();
    p.zeroGradients();
    engine.train(true, optimizer.steps());
    double lossSum = 0;
    for (int[][] rows : microBatches) {
      lossSum += forwardBackward(TokenRows.shifted(rows), microBatches.size());
    }
    engine.train(false, optimizer.steps());
    double loss = GradientAveraging.average(p.gradients(), lossSum / microBatches.size(), group);
    long step = optimizer.steps();
    double lr = schedule.at(step);
    double norm = GradientClipping.clip(p.gradients(), settings.gradClip());
    optimizer.step(p, lr);
    return new StepResult(step, loss, lr, norm);
  }

  /** Mean cross-entropy of one micro-batch; its gradient (divided by {@code accum}) is added to the buffer. */
  private double forwardBackward(TokenRows batch, int accum) {
    GptEngine.Forward f = engine.forward(batch.inputs(), batch.targets());
    long tokens = (long) batch.batch() * batch.time();
    double loss = -f.logProbs().sumNumber().doubleValue() / tokens;
    if (dLogProbs == null || dLogProbs.size(0) != batch.batch() || dLogProbs.size(1) != batch.time()) {
      dLogProbs = Nd4j.create(engine.dataType(), batch.batch(), batch.time());
    }
    dLogProbs.assign(-1.0 / (tokens * accum));
    engine.backward(dLogProbs, null);
    return loss;
  }

  /** Mean next-token cross-entropy of shard rows, forward only. */
  public static double loss(GptEngine engine, int[][] rows) {
    TokenRows batch = TokenRows.shifted(rows);
    GptEngine.Forward f = engine.forward(batch.inputs(), batch.targets());
    return -f.logProbs().sumNumber().doubleValue() / ((long) batch.batch() * batch.time());
  }
}
