package io.llmforge.trainer.pretrain;

import io.llmforge.trainer.distributed.GradientAveraging;
import io.llmforge.trainer.distributed.WorkerGroup;
import io.llmforge.trainer.optim.AdamW;
import io.llmforge.trainer.optim.GradientClipping;
import io.llmforge.trainer.optim.LrSchedule;
import io.llmforge.trainer.optim.OptimizerSettings;
import io.llmforge.trainer.reference.GptModel;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The training loop's one step, written out rather than delegated to SameDiff's {@code fit}: gradients come from
 * {@link GptModel#gradients} and the parameters are updated here. The two halves are separate
 * ({@link #accumulate}, {@link #apply}) so data-parallel training can average gradients across workers between
 * them.
 */
public final class Trainer {
  private final GptModel model;
  private final OptimizerSettings settings;
  private final LrSchedule schedule;
  private final AdamW optimizer;

  /**
   * @param gradNorm global gradient norm before clipping
   */
  public record StepResult(long step, double loss, double learningRate, double gradNorm) {}

  /** Averaged gradients of one optimiser step, and the mean loss of the micro-batches that produced them. */
  public record Gradients(Map<String, INDArray> byParameter, double loss) {}

  public Trainer(GptModel model, OptimizerSettings settings) {
    this.model = model;
    this.settings = settings;
    this.schedule = settings.schedule();
    this.optimizer = new AdamW(settings);
  }

  public GptModel model() {
    return model;
  }

  public AdamW optimizer() {
    return optimizer;
  }

  /** Optimiser steps taken so far. */
  public long step() {
    return optimizer.steps();
  }

  /** One optimiser step on {@code gradAccumSteps} micro-batches of shard rows ({@code blockSize + 1} ids each). */
  public StepResult step(List<int[][]> microBatches) {
    return step(microBatches, WorkerGroup.single());
  }

  /**
   * One data-parallel optimiser step: this worker's micro-batches, gradients averaged over {@code group} (see
   * {@link GradientAveraging}), then the same clip and AdamW step on every worker, so the replicas stay identical.
   * The step's global batch is {@code group.size() x gradAccumSteps} micro-batches.
   */
  public StepResult step(List<int[][]> microBatches, WorkerGroup group) {
    if (microBatches.size() != settings.gradAccumSteps()) {
      throw new IllegalArgumentException("expected " + settings.gradAccumSteps() + " micro-batches, got "
          + microBatches.size());
    }
    Gradients gradients = GradientAveraging.average(accumulate(microBatches), model.parameterNames(), group);
    StepResult result = apply(gradients);
    gradients.byParameter().values().forEach(INDArray::close); // off-heap: free now, not at the next GC
    return result;
  }

  /**
   * Mean gradient over micro-batches: each micro-batch's loss is already a mean over its tokens, so averaging them
   * equals the gradient of one batch holding all rows (when the micro-batches have equal size).
   */
  public Gradients accumulate(List<int[][]> microBatches) {
    Map<String, INDArray> sum = new LinkedHashMap<>();
    double lossSum = 0;
    for (int[][] rows : microBatches) {
      GptModel.LossAndGradients result = model.lossAndGradients(model.batch(rows));
      lossSum += result.loss();
      for (String p : model.parameterNames()) {
        INDArray g = result.gradients().get(p);
        INDArray total = sum.get(p);
        if (total == null) {
          sum.put(p, g.dup()); // a copy: SameDiff may reuse its gradient arrays in the next call
        } else {
          total.addi(g);
        }
      }
    }
    int n = microBatches.size();
    sum.values().forEach(g -> g.divi(n));
    return new Gradients(sum, lossSum / n);
  }

  /** Clips, then takes one AdamW step at the scheduled learning rate. Modifies the gradients in place. */
  public StepResult apply(Gradients gradients) {
    long step = optimizer.steps();
    double lr = schedule.at(step);
    double norm = GradientClipping.clip(gradients.byParameter(), settings.gradClip());
    Map<String, INDArray> parameters = new LinkedHashMap<>();
    for (String p : model.parameterNames()) {
      parameters.put(p, model.parameter(p));
    }
    optimizer.step(parameters, gradients.byParameter(), model::decays, lr);
    return new StepResult(step, gradients.loss(), lr, norm);
  }
}
