package io.llmforge.trainer.engine;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A few rows of the token embedding that train while the rest stays frozen (PEFT's {@code trainable_token_indices}):
 * the effective embedding is {@code wte + scatter(delta)}, with {@code delta [k, C]} (zeros at first) for the ids
 * {@code ids[0..k)}. Because the LM head is tied to the embedding, a row moves both what the token means as input and
 * how easily it is predicted. Meant for tokens the base never saw: the chat template's role markers and
 * {@code <|end|>} kept their pretraining rows, pushed away from every hidden state (a token that never appears only
 * ever gets "not me" gradients). Measured on the bench model (bench sft, lora-tokens): training them ends a LoRA
 * model's role-marker leaks, but barely moves its plain stop rate, which the rank limits.
 *
 * <p>Costs O(N k C) per pass, not O(N V C): only the k logit columns and the rows of positions holding those ids are
 * touched.
 */
final class TrainableTokens {
  /** The delta tensor's name (saved with the adapters). */
  static final String TENSOR = "wte.trainable_tokens_delta";

  private final int[] ids;
  private final int[] slotOfId;   // [V]: -1, or the row of delta for that id
  private final INDArray delta;   // [k, C]
  private final INDArray dDelta;  // [k, C]; null when frozen

  TrainableTokens(Parameters params, int[] ids, int vocabSize) {
    this.ids = ids.clone();
    this.slotOfId = new int[vocabSize];
    Arrays.fill(slotOfId, -1);
    for (int j = 0; j < ids.length; j++) {
      slotOfId[ids[j]] = j;
    }
    this.delta = params.value(TENSOR);
    this.dDelta = params.gradient(TENSOR);
  }

  /** Positions of {@code tokens} holding a trainable id, and the delta row of each: {positions, slots}. */
  private int[][] occurrences(int[] tokens) {
    int[] positions = new int[tokens.length];
    int[] slots = new int[tokens.length];
    int m = 0;
    for (int i = 0; i < tokens.length; i++) {
      int slot = slotOfId[tokens[i]];
      if (slot >= 0) {
        positions[m] = i;
        slots[m++] = slot;
      }
    }
    return new int[][] {Arrays.copyOf(positions, m), Arrays.copyOf(slots, m)};
  }

  /** x[i] += delta[slot(tokens[i])] for every position holding a trainable id; x is [N, C]. */
  void addToEmbeddings(int[] tokens, INDArray x) {
    int[][] at = occurrences(tokens);
    if (at[0].length > 0) {
      try (INDArray rows = Nd4j.pullRows(delta, 1, at[1])) {
        scatterAdd(x, at[0], rows);
      }
    }
  }

  /** logits[:, ids[j]] += xf delta[j]^T; logits [N, V], xf [N, C]. */
  void addToLogits(INDArray xf, INDArray logits) {
    try (INDArray extra = Nd4j.create(logits.dataType(), logits.rows(), ids.length)) {
      Ops.gemm(xf, false, delta, true, extra, 1, 0);              // [N, C] x [k, C]^T
      for (int j = 0; j < ids.length; j++) {
        logits.getColumn(ids[j]).addi(extra.getColumn(j));
      }
    }
  }

  /** The LM head's part: dxf += dlogits[:, ids] delta and dDelta += dlogits[:, ids]^T xf. */
  void backwardLogits(INDArray dLogits, INDArray xf, INDArray dxf) {
    try (INDArray columns = Nd4j.create(dLogits.dataType(), dLogits.rows(), ids.length)) {
      for (int j = 0; j < ids.length; j++) {
        columns.getColumn(j).assign(dLogits.getColumn(ids[j]));
      }
      Ops.gemm(columns, false, delta, false, dxf, 1, 1);          // [N, k] x [k, C]
      if (dDelta != null) {
        Ops.gemm(columns, true, xf, false, dDelta, 1, 1);         // [N, k]^T x [N, C]
      }
    }
  }

  /** The embedding's part: dDelta[slot(tokens[i])] += dx[i]; dx is [N, C]. */
  void backwardEmbeddings(int[] tokens, INDArray dx) {
    int[][] at = occurrences(tokens);
    if (dDelta != null && at[0].length > 0) {
      try (INDArray rows = Nd4j.pullRows(dx, 1, at[0])) {
        scatterAdd(dDelta, at[1], rows);
      }
    }
  }

  /** wte[ids[j]] += delta[j] into {@code wte} (the engine's, or a decoder's copy). */
  void addTo(INDArray wte) {
    scatterAdd(wte, ids, delta);
  }

  /** Folds the rows into the embedding ({@code wte[ids] += delta}); then delta = 0. */
  void merge(INDArray wte) {
    addTo(wte);
    delta.assign(0);
  }

  private static void scatterAdd(INDArray target, int[] rows, INDArray updates) {
    try (INDArray indices = Nd4j.createFromArray(rows)) {
      Ops.scatterAddRows(target, indices, updates);
    }
  }
}
