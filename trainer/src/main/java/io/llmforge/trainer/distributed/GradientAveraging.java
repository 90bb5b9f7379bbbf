package io.llmforge.trainer.distributed;

import io.llmforge.trainer.pretrain.Trainer;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Data-parallel gradient averaging: one worker's {@link Trainer.Gradients} become the mean over all workers. The
 * gradients of every parameter (in the model's parameter order, the same on every worker) and the loss are packed
 * into one float vector, averaged by the {@link WorkerGroup} in a single collective call, and written back in place.
 * Every worker's micro-batches hold the same number of rows, so the mean of the workers' mean gradients is the
 * gradient of the mean loss over the whole global batch.
 */
public final class GradientAveraging {
  private GradientAveraging() {}

  /** Averages {@code local} over {@code group}, in place; returns the gradients with the group's mean loss. */
  public static Trainer.Gradients average(Trainer.Gradients local, List<String> parameterOrder, WorkerGroup group) {
    if (group.size() == 1) {
      return local;
    }
    float[] packed = pack(local, parameterOrder);
    group.average(packed);
    return unpack(packed, local, parameterOrder);
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

  /** Gradients in {@code order}, each flattened row-major, then the loss. */
  static float[] pack(Trainer.Gradients gradients, List<String> order) {
    Map<String, INDArray> byParameter = gradients.byParameter();
    long total = 1;
    for (String p : order) {
      total += gradient(byParameter, p).length();
    }
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("gradients of " + total + " values do not fit one array; not supported yet");
    }
    float[] packed = new float[(int) total];
    int at = 0;
    for (String p : order) {
      try (INDArray rowMajor = gradient(byParameter, p).dup('c')) { // a fresh buffer, whatever the array's layout
        float[] g = rowMajor.data().asFloat();
        System.arraycopy(g, 0, packed, at, g.length);
        at += g.length;
      }
    }
    packed[at] = (float) gradients.loss();
    return packed;
  }

  /** Writes {@code packed} back into the arrays of {@code into} (in place) and returns them with the packed loss. */
  static Trainer.Gradients unpack(float[] packed, Trainer.Gradients into, List<String> order) {
    int at = 0;
    for (String p : order) {
      INDArray g = gradient(into.byParameter(), p);
      int n = (int) g.length();
      float[] part = new float[n];
      System.arraycopy(packed, at, part, 0, n);
      try (INDArray values = Nd4j.createFromArray(part)) {
        g.assign(values.reshape(g.shape()));
      }
      at += n;
    }
    if (at != packed.length - 1) {
      throw new IllegalArgumentException("packed gradients have " + packed.length + " values, the parameters "
          + (at + 1) + " (with the loss)");
    }
    return new Trainer.Gradients(into.byParameter(), packed[at]);
  }

  private static INDArray gradient(Map<String, INDArray> byParameter, String p) {
    INDArray g = byParameter.get(p);
    if (g == null) {
      throw new IllegalArgumentException("no gradient for parameter " + p);
    }
    return g;
  }
}
