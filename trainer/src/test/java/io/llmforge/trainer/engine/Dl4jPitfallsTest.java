package io.llmforge.trainer.engine;

import io.llmforge.trainer.bench.EmbeddingLookupBenchmark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Pins the DL4J 1.0.0-M2.1 behaviours that the SameDiff reference (SameDiffGpt, test code) works around and that made the hand-written engine worth writing, so that a DL4J upgrade that fixes them
 * shows up here (and the work-arounds can go). The speed of {@code gather}'s backward is measured by
 * {@link EmbeddingLookupBenchmark}, not asserted.
 */
class Dl4jPitfallsTest {
  private static final int ROWS = 4;
  private static final int CLASSES = 7;

  /** d(3 * loss)/d(logits) through the op, and through the composition the SameDiff reference uses. */
  private static INDArray gradientOfScaledLoss(boolean sparseOp, double scale) {
    Nd4j.getRandom().setSeed(7);
    SameDiff sd = SameDiff.create();
    SDVariable logits = sd.var("logits", Nd4j.randn(DataType.DOUBLE, ROWS, CLASSES));
    INDArray targets = Nd4j.createFromArray(1, 3, 0, 6);
    SDVariable loss;
    if (sparseOp) {
      loss = sd.loss.sparseSoftmaxCrossEntropy(logits, sd.constant("targets", targets)).mean();
    } else {
      SDVariable oneHot = sd.oneHot(sd.constant("targets", targets), CLASSES, -1, 1.0, 0.0, DataType.DOUBLE);
      SDVariable logProbs = logits.sub(sd.math.log(sd.math.exp(logits).sum(true, 1)));
      loss = oneHot.mul(logProbs).sum(1).mean().neg();
    }
    SDVariable scaled = loss.mul("scaled", scale);
    sd.setLossVariables(scaled);
    Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "logits");
    return grads.get("logits");
  }

  @Test
  void sparseSoftmaxCrossEntropyBackwardIgnoresTheIncomingGradient() {
    INDArray composedOnce = gradientOfScaledLoss(false, 1.0);
    INDArray composedTriple = gradientOfScaledLoss(false, 3.0);
    assertArrayEquals(composedOnce.mul(3.0).ravel().toDoubleVector(), composedTriple.ravel().toDoubleVector(), 1e-12,
        "the composed log-softmax x one-hot loss is correct: scaling the loss scales the gradient");

    INDArray sparseOnce = gradientOfScaledLoss(true, 1.0);
    INDArray sparseTriple = gradientOfScaledLoss(true, 3.0);
    assertEquals(composedOnce.mul(ROWS).getDouble(0, 1), sparseOnce.getDouble(0, 1), 1e-9,
        "the op's own gradient (per row, before the mean) is right when it is the last op");
    assertArrayEquals(sparseOnce.ravel().toDoubleVector(), sparseTriple.ravel().toDoubleVector(), 1e-12,
        "M2.1: sparseSoftmaxCrossEntropy ignores the gradient flowing into it (x3 loss, same gradient). If this "
            + "fails, DL4J fixed it and the SameDiff reference could use the op again.");
  }

  /** d sum(lookup(table, ids) * upstream) / d table, by gather or by oneHot(ids) x table. */
  private static INDArray embeddingGradient(boolean oneHot) {
    SameDiff sd = SameDiff.create();
    SDVariable table = sd.var("table", Nd4j.createFromArray(new float[][] {{1, 2}, {3, 4}, {5, 6}}));
    SDVariable ids = sd.constant("ids", Nd4j.createFromArray(0, 2, 0, 0));
    SDVariable rows = oneHot ? sd.oneHot(ids, 3, -1, 1.0, 0.0, DataType.FLOAT).mmul(table) : sd.gather(table, ids, 0);
    INDArray upstream = Nd4j.createFromArray(new float[][] {{1, 10}, {100, 1000}, {2, 20}, {3, 30}});
    sd.setLossVariables(rows.mul(sd.constant("upstream", upstream)).sum());
    return sd.calculateGradients(Map.of(), "table").get("table");
  }

  @Test
  void gatherBackwardDoesNotAddTheGradientsOfRepeatedIds() {
    // Row 0 is looked up three times: its gradient is the sum of those three upstream rows.
    double[] expected = {1 + 2 + 3, 10 + 20 + 30, 0, 0, 100, 1000};
    assertArrayEquals(expected, embeddingGradient(true).ravel().toDoubleVector(), 1e-6,
        "oneHot(ids) x table, what the SameDiff reference uses, scatter-adds");
    double[] gather = embeddingGradient(false).ravel().toDoubleVector();
    assertNotEquals(expected[0], gather[0], 1e-6,
        "M2.1: gather's backward does not accumulate repeated ids (and is orders of magnitude slower, see "
            + "EmbeddingLookupBenchmark). If this fails, DL4J fixed it: the engine uses its own scatter-add either way.");
  }
}
