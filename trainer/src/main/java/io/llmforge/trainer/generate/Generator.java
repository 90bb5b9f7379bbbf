package io.llmforge.trainer.generate;

import io.llmforge.trainer.reference.GptModel;

import java.util.Arrays;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Autoregressive generation with a {@link GptModel}: condition on the last {@code blockSize} ids, sample the next
 * one, append, repeat. The graph has a fixed length T, so a shorter context is right-padded: the causal mask keeps
 * padding from influencing the position we read. There is no KV cache: each new token costs a full forward pass.
 */
public final class Generator {
  private final GptModel model;
  private final Sampler sampler;
  private final Random random;

  public Generator(GptModel model, Sampler sampler, long seed) {
    this.model = model;
    this.sampler = sampler;
    this.random = new Random(seed);
  }

  /** The prompt followed by {@code maxNewTokens} generated ids (fewer if {@code stopId} is produced; -1: none). */
  public int[] generate(int[] prompt, int maxNewTokens, int stopId) {
    if (prompt.length == 0) {
      throw new IllegalArgumentException("the prompt needs at least one id (e.g. <|endoftext|>)");
    }
    int t = model.config().blockSize();
    int[] ids = Arrays.copyOf(prompt, prompt.length + maxNewTokens);
    int length = prompt.length;
    for (int n = 0; n < maxNewTokens; n++) {
      int start = Math.max(0, length - t);
      int[][] window = new int[1][t]; // zero-padded on the right
      System.arraycopy(ids, start, window[0], 0, length - start);
      INDArray logits = model.logits(Nd4j.createFromArray(window)); // [T, V]
      double[] row = logits.getRow(length - start - 1).toDoubleVector();
      int next = sampler.sample(row, random);
      ids[length++] = next;
      if (next == stopId) {
        break;
      }
    }
    return Arrays.copyOf(ids, length);
  }
}
