package io.llmforge.trainer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class ParametersTest {
  @Test
  void tensorsAreViewsLaidOutDecayedThenUndecayedThenFrozen() {
    Parameters p = new Parameters(List.of(
        new Parameters.Spec("frozen", new long[] {2}, false, true),
        new Parameters.Spec("bias", new long[] {3}, true, false),
        new Parameters.Spec("w", new long[] {2, 2}, true, true)), DataType.FLOAT);
    assertEquals(List.of("w", "bias", "frozen"), p.names());
    assertEquals(7, p.trainableCount());
    assertEquals(9, p.count());
    assertEquals(4, p.decayedCount());
    assertNull(p.gradient("frozen"));
    p.value("w").putScalar(1, 1, 5f);
    p.value("bias").putScalar(0, 7f);
    assertEquals(5f, p.trainableValues().getFloat(3));
    assertEquals(7f, p.trainableValues().getFloat(4));
    p.gradients().putScalar(5, 2f);
    assertEquals(2f, p.gradient("bias").getFloat(1));
    p.decayedValues().muli(2);
    assertEquals(10f, p.value("w").getFloat(1, 1));
    assertEquals(7f, p.value("bias").getFloat(0));
  }
}
