package io.llmforge.trainer.rl;

import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.preference.AnswerLogProbs;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * PPO's critic: a scalar head {@code value} [1, C] on the policy's own backbone, read at every state that predicts
 * an answer token, {@code V_t = hidden[t] . value}. The head lives in the engine's flat buffers (so the optimiser,
 * all-reduce and checkpoints carry it), and its loss reaches the backbone through the same backward pass as the
 * policy's ({@link AnswerLogProbs#backward(double[][], INDArray)}).
 */
final class ValueHead {
  static final String HEAD = "value";

  private final GptEngine engine;
  private INDArray gathered; // [N, C] hidden states at the answer positions of the last read
  private int[][] positions;
  private long hiddenRows;

  ValueHead(GptEngine engine) {
    if (!engine.parameters().contains(HEAD + ".weight")) {
      throw new IllegalArgumentException("the policy engine has no '" + HEAD + "' head");
    }
    this.engine = engine;
  }

  /** The values of the answer states of {@code logps}' last forward, {@code [row][answer token]}. */
  double[][] read(AnswerLogProbs logps) {
    positions = logps.answerPositions();
    INDArray hidden = logps.hidden();
    hiddenRows = hidden.size(0);
    int n = 0;
    for (int[] row : positions) {
      n += row.length;
    }
    int[] flat = new int[n];
    int k = 0;
    for (int[] row : positions) {
      for (int p : row) {
        flat[k++] = p;
      }
    }
    if (gathered != null) {
      gathered.close();
    }
    gathered = Nd4j.pullRows(hidden, 1, flat);                                     // [N, C]
    double[] v;
    try (INDArray values = gathered.mmul(engine.headWeight(HEAD).transpose())) {  // [N, 1], a new array
      v = values.data().asDouble();
    }
    double[][] out = new double[positions.length][];
    k = 0;
    for (int b = 0; b < positions.length; b++) {
      out[b] = java.util.Arrays.copyOfRange(v, k, k + positions[b].length);
      k += positions[b].length;
    }
    return out;
  }

  /**
   * Adds the head's gradient for dL/dV ({@code [row][answer token]}, the shape of the last {@link #read}) and
   * returns dL/dhidden [B*T, C] for the backbone (zero off the answer positions). The caller closes it.
   */
  INDArray backward(double[][] dValues) {
    int n = gathered == null ? 0 : (int) gathered.size(0);
    float[] dv = new float[n];
    int k = 0;
    for (int b = 0; b < positions.length; b++) {
      if (dValues[b].length != positions[b].length) {
        throw new IllegalArgumentException("row " + b + " has " + positions[b].length + " values, got "
            + dValues[b].length + " gradients");
      }
      for (double d : dValues[b]) {
        dv[k++] = (float) d;
      }
    }
    DataType type = engine.dataType();
    INDArray dHidden = Nd4j.zeros(type, hiddenRows, engine.config().nEmbd());
    try (INDArray flat = Nd4j.createFromArray(dv); INDArray d = flat.reshape(n, 1).castTo(type);
        INDArray dHead = d.transpose().mmul(gathered);                             // dvalue += dV^T h  [1, C]
        INDArray dStates = d.mmul(engine.headWeight(HEAD))) {                     // dh = dV value     [N, C]
      engine.headGradient(HEAD).addi(dHead);
      k = 0;
      for (int[] row : positions) {
        for (int p : row) {
          dHidden.getRow(p).addi(dStates.getRow(k++));
        }
      }
    }
    return dHidden;
  }
}
