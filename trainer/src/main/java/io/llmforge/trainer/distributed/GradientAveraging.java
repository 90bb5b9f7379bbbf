package io.llmforge.trainer.distributed;

import io.llmforge.trainer.engine.Backend;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Data parallelism for any training loop: one worker's flat gradient buffer (and its loss) become the mean over all
 * workers, in place, in one collective call. Every stage (pretraining, SFT, reward model, DPO, RL) calls this between
 * its backward passes and its optimiser step; with equal micro-batches on every worker, the mean of the workers' mean
 * gradients is the gradient of the mean loss over the whole global batch.
 */
public final class GradientAveraging {
  private GradientAveraging() {}

  /** Averages {@code gradients} (a flat buffer) over {@code group} in place; returns the group's mean loss. */
  public static double average(INDArray gradients, double loss, WorkerGroup group) {
    if (group.size() == 1) {
      return loss;
    }
    long n = gradients.length();
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("gradients of " + n + " values do not fit one array; not supported yet");
    }
    float[] packed = new float[(int) n + 1];
    boolean host = onHost(gradients);
    if (host) {
      Backend.hostFloats(gradients).get(packed, 0, (int) n);
    } else {
      float[] g = gradients.castTo(DataType.FLOAT).dup('c').data().asFloat();
      System.arraycopy(g, 0, packed, 0, (int) n);
    }
    packed[(int) n] = (float) loss;
    group.average(packed);
    if (host) {
      Backend.hostFloats(gradients).put(packed, 0, (int) n);
    } else {
      float[] part = java.util.Arrays.copyOf(packed, (int) n);
      try (INDArray values = Nd4j.createFromArray(part)) {
        gradients.assign(values.reshape(gradients.shape()).castTo(gradients.dataType()));
      }
    }
    return packed[(int) n];
  }

  /** The mean of one number over the group (a validation loss, say). */
  public static double average(double value, WorkerGroup group) {
    if (group.size() == 1) {
      return value;
    }
    float[] one = {(float) value};
    group.average(one);
    return one[0];
  }

  /** Each number summed over the group (statistics of a step: counts, sums of rewards), in one collective call. */
  public static double[] sum(double[] values, WorkerGroup group) {
    if (group.size() == 1) {
      return values.clone();
    }
    float[] packed = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      packed[i] = (float) values[i];
    }
    group.average(packed);
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (double) packed[i] * group.size();
    }
    return out;
  }

  /** Float, contiguous, in host memory: copied with one bulk read (on a GPU backend, through ND4J instead). */
  private static boolean onHost(INDArray a) {
    return Backend.isCpu() && a.dataType() == DataType.FLOAT && a.elementWiseStride() == 1;
  }

}
