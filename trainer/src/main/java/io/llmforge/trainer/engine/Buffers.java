package io.llmforge.trainer.engine;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The off-heap buffers a layer allocates for one batch shape, freed together ({@link INDArray#close}) when the shape
 * changes. ND4J frees an array's native memory only when its small Java object is garbage-collected, and the Java
 * heap may not fill for a long time, so without this every new shape (SFT and reward batches are padded to their
 * longest row) would leave its buffers behind until the process runs out of memory.
 */
final class Buffers {
  private final List<INDArray> arrays = new ArrayList<>();

  INDArray create(DataType dt, long... shape) {
    return keep(Nd4j.create(dt, shape));
  }

  INDArray ones(DataType dt, long... shape) {
    return keep(Nd4j.ones(dt, shape));
  }

  /** Takes ownership of an array made elsewhere. */
  INDArray keep(INDArray a) {
    arrays.add(a);
    return a;
  }

  /** Frees every buffer; views and references to them must not be used afterwards. */
  void release() {
    for (INDArray a : arrays) {
      if (!a.wasClosed()) {
        a.close();
      }
    }
    arrays.clear();
  }
}
