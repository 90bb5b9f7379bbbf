package io.llmforge.trainer.preference;

import io.llmforge.trainer.data.TokenRows;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.sft.SftBatches;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The log-probability of answers under a model, summed over each answer's tokens (its closing {@code <|end|>}
 * included), forward and backward: the quantity DPO and KTO are written in. A row is prompt + answer; the model
 * reads ids {@code [0, L-1)} and is scored on the answer's ids at their positions.
 */
public final class AnswerLogProbs {
  private final GptEngine engine;
  private final int padId;
  private TokenRows last;
  private INDArray lastLogp;
  private INDArray lastHidden;
  private int[] answerTokens;

  public AnswerLogProbs(GptEngine engine, int padId) {
    this.engine = engine;
    this.padId = padId;
  }

  /** Each row's summed answer log-prob; {@code promptTokens[i]} ids of row i are the prompt. */
  public double[] forward(List<int[]> rows, int[] promptTokens) {
    return forward(rows, promptTokens, 0);
  }

  /**
   * As {@link #forward(List, int[])}, padded as if the longest row had at least {@code atLeast} ids: several passes of
   * one step padded alike keep the engine on one buffer shape.
   */
  public double[] forward(List<int[]> rows, int[] promptTokens, int atLeast) {
    int longest = Math.max(0, atLeast - 1);
    for (int[] r : rows) {
      longest = Math.max(longest, r.length - 1);
    }
    int block = engine.config().blockSize();
    if (longest > block) {
      throw new IllegalArgumentException("a row of " + (longest + 1) + " ids does not fit the block size " + block
          + " (+1)");
    }
    int t = Math.min(block, (longest + SftBatches.PAD_MULTIPLE - 1) / SftBatches.PAD_MULTIPLE
        * SftBatches.PAD_MULTIPLE);
    int[][] inputs = new int[rows.size()][t];
    int[][] targets = new int[rows.size()][t];
    answerTokens = new int[rows.size()];
    for (int b = 0; b < rows.size(); b++) {
      int[] ids = rows.get(b);
      Arrays.fill(inputs[b], padId);
      Arrays.fill(targets[b], -1);
      System.arraycopy(ids, 0, inputs[b], 0, ids.length - 1);
      for (int i = promptTokens[b]; i < ids.length; i++) { // target ids[i] is predicted at position i - 1
        targets[b][i - 1] = ids[i];
      }
      answerTokens[b] = ids.length - promptTokens[b];
      if (answerTokens[b] < 1) {
        throw new IllegalArgumentException("row " + b + " has no answer token after its " + promptTokens[b]
            + "-token prompt");
      }
    }
    last = new TokenRows(inputs, targets);
    GptEngine.Forward f = engine.forward(inputs, targets);
    lastLogp = f.logProbs(); // [B, T], 0 where there is no target
    lastHidden = f.hidden(); // [B*T, C]
    double[] sums = new double[rows.size()];
    try (INDArray rowSums = lastLogp.sum(1).castTo(DataType.DOUBLE)) {
      for (int b = 0; b < sums.length; b++) {
        sums[b] = rowSums.getDouble(b);
      }
    }
    return sums;
  }

  /**
   * The answer tokens' log-probs of the last forward, row by row ({@code [row][answer token]}, the tokens in order):
   * what token-level objectives (GRPO, PPO) are written in.
   */
  public double[][] perToken() {
    double[][] all;
    if (lastLogp.dataType() == DataType.DOUBLE) {
      all = lastLogp.toDoubleMatrix(); // castTo would return the engine's own buffer, and closing it would free it
    } else {
      try (INDArray d = lastLogp.castTo(DataType.DOUBLE)) {
        all = d.toDoubleMatrix();
      }
    }
    double[][] out = new double[last.batch()][];
    for (int b = 0; b < out.length; b++) {
      int first = firstTarget(b);
      out[b] = java.util.Arrays.copyOfRange(all[b], first, first + answerTokens[b]);
    }
    return out;
  }

  /** Adds the gradient of a loss given dL/d(log-prob of answer token i of row b) = {@code perToken[b][i]}. */
  public void backward(double[][] perToken) {
    backward(perToken, null);
  }

  /**
   * As {@link #backward(double[][])}, plus dL/dhidden [B*T, C] of the same forward (null: none), e.g. from a value
   * head read at {@link #answerPositions()}: one backward pass through the backbone for both.
   */
  public void backward(double[][] perToken, INDArray dHidden) {
    int b = last.batch();
    int t = last.time();
    float[] d = new float[b * t];
    for (int r = 0; r < b; r++) {
      if (perToken[r].length != answerTokens[r]) {
        throw new IllegalArgumentException("row " + r + " has " + answerTokens[r] + " answer tokens, got "
            + perToken[r].length + " gradients");
      }
      int first = firstTarget(r);
      for (int i = 0; i < perToken[r].length; i++) {
        d[r * t + first + i] = (float) perToken[r][i];
      }
    }
    try (INDArray flat = Nd4j.createFromArray(d); INDArray dLogp = flat.reshape(b, t).castTo(engine.dataType())) {
      engine.backward(dLogp, dHidden);
    }
  }

  /** The final hidden states of the last forward, [B*T, C] (the engine's buffer: valid until the next forward). */
  public INDArray hidden() {
    return lastHidden;
  }

  /**
   * Row-major positions in {@link #hidden()} of the states that predict each answer token of the last forward:
   * {@code [row][answer token]} = b * T + position, the same order as {@link #perToken()}.
   */
  public int[][] answerPositions() {
    int t = last.time();
    int[][] out = new int[last.batch()][];
    for (int b = 0; b < out.length; b++) {
      int first = firstTarget(b);
      out[b] = new int[answerTokens[b]];
      for (int i = 0; i < out[b].length; i++) {
        out[b][i] = b * t + first + i;
      }
    }
    return out;
  }

  /** The position predicting row b's first answer token. */
  private int firstTarget(int b) {
    int[] targets = last.targets()[b];
    for (int i = 0; i < targets.length; i++) {
      if (targets[i] >= 0) {
        return i;
      }
    }
    throw new IllegalStateException("row " + b + " has no answer token");
  }

  /** Answer tokens of each row of the last forward. */
  public int[] answerTokens() {
    return answerTokens.clone();
  }

  /**
   * Adds the gradient of a loss given dL/d(sum of row b's answer log-probs) = {@code perRow[b]}, plus
   * {@code perToken[b]} on every answer token of row b (a per-token mean term such as an SFT loss; may be null).
   */
  public void backward(double[] perRow, double[] perToken) {
    int b = last.batch();
    int t = last.time();
    float[] d = new float[b * t];
    for (int r = 0; r < b; r++) {
      double w = perRow[r] + (perToken == null ? 0 : perToken[r]);
      for (int i = 0; i < t; i++) {
        d[r * t + i] = last.targets()[r][i] < 0 ? 0f : (float) w;
      }
    }
    try (INDArray flat = Nd4j.createFromArray(d); INDArray dLogp = flat.reshape(b, t).castTo(engine.dataType())) {
      engine.backward(dLogp, null);
    }
  }
}
