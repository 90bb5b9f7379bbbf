package io.llmforge.trainer.bench;


import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Measures the DL4J M2.1 pitfall behind the SameDiff model's one-hot embedding (why the engine writes its own scatter-add): the backward pass of {@code gather}
 * (the natural look-up) against {@code oneHot(ids) x table}, which the model uses. Both compute the same
 * gradient in exact arithmetic, but in M2.1 gather's backward does not add up repeated ids (pinned by
 * {@code Dl4jPitfallsTest}): {@code maxAbsDiff} reports how far apart the two gradients are, and the timings how
 * many times slower gather's backward is.
 */
public final class EmbeddingLookupBenchmark {
  /** Milliseconds per forward + backward step of each form. */
  public record Result(int vocab, int width, int tokens, double gatherMs, double oneHotMs, double maxAbsDiff) {
    public double slowdown() {
      return gatherMs / oneHotMs;
    }
  }

  private EmbeddingLookupBenchmark() {}

  /**
   * @param iterations timed steps of the one-hot form; gather's backward is timed once (after a warm-up), as a
   *                   single step of it takes minutes at nanoGPT's batch size
   */
  public static List<Result> run(int[] vocabs, int width, int tokens, int iterations) {
    List<Result> results = new ArrayList<>();
    for (int vocab : vocabs) {
      Nd4j.getRandom().setSeed(1);
      INDArray table = Nd4j.randn(DataType.FLOAT, vocab, width).muli(0.02);
      INDArray ids = Nd4j.createFromArray(new Random(1).ints(tokens, 0, vocab).toArray());
      INDArray upstream = Nd4j.randn(DataType.FLOAT, tokens, width);
      Timed gather = time(lookup(table, ids, upstream, false), 1);
      Timed oneHot = time(lookup(table, ids, upstream, true), iterations);
      double diff = gather.gradient().sub(oneHot.gradient()).amaxNumber().doubleValue();
      results.add(new Result(vocab, width, tokens, gather.ms(), oneHot.ms(), diff));
    }
    return results;
  }

  private record Timed(double ms, INDArray gradient) {}

  /** loss = sum(lookup(table, ids) * upstream), so d loss / d table is the embedding backward for that upstream. */
  private static SameDiff lookup(INDArray table, INDArray ids, INDArray upstream, boolean oneHot) {
    SameDiff sd = SameDiff.create();
    SDVariable w = sd.var("table", table.dup());
    SDVariable idx = sd.constant("ids", ids);
    SDVariable rows = oneHot
        ? sd.oneHot(idx, (int) table.size(0), -1, 1.0, 0.0, DataType.FLOAT).mmul(w)     // [N, V] x [V, C]
        : sd.gather(w, idx, 0);                                                          // [N, C]
    SDVariable loss = rows.mul(sd.constant("upstream", upstream)).sum();
    sd.setLossVariables(loss);
    return sd;
  }

  private static Timed time(SameDiff sd, int iterations) {
    Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "table"); // warm-up
    long t0 = System.nanoTime();
    for (int i = 0; i < iterations; i++) {
      grads = sd.calculateGradients(Map.of(), "table");
    }
    return new Timed((System.nanoTime() - t0) / 1e6 / iterations, grads.get("table"));
  }
}
