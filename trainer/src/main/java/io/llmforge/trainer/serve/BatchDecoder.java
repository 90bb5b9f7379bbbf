package io.llmforge.trainer.serve;

import io.llmforge.trainer.engine.KvCacheDecoder;

/**
 * What the {@link Scheduler} needs of a KV-cache decoder: independent rows, a prompt prefilled into one, and one token
 * fed to each of several rows in one pass. {@link #of} is the real one; tests wrap it to slow it down or make it fail.
 * Called from the scheduler's thread only.
 */
interface BatchDecoder {
  int maxBatch();

  int blockSize();

  /** Replaces row {@code row} with {@code ids}; the logits of the token that follows. */
  double[] prefill(int row, int[] ids);

  /** One token per row; the logits of each row's next token, in the order of {@code rows}. */
  double[][] step(int[] rows, int[] tokens);

  static BatchDecoder of(KvCacheDecoder decoder) {
    return new BatchDecoder() {
      @Override
      public int maxBatch() {
        return decoder.maxBatch();
      }

      @Override
      public int blockSize() {
        return decoder.blockSize();
      }

      @Override
      public double[] prefill(int row, int[] ids) {
        return decoder.prefill(row, ids).toDoubleVector();
      }

      @Override
      public double[][] step(int[] rows, int[] tokens) {
        return decoder.step(rows, tokens).toDoubleMatrix();
      }
    };
  }
}
