package io.llmforge.dedup;

import java.nio.ByteBuffer;

/**
 * Signatures and shingle sets travel through Spark as binary columns of big-endian longs: no boxing of
 * each value (as {@code array<bigint>} costs in Java functions), and one compact value per row in caches.
 */
final class LongBytes {
  private LongBytes() {}

  static byte[] toBytes(long[] values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * Long.BYTES);
    buffer.asLongBuffer().put(values);
    return buffer.array();
  }

  static long[] toLongs(byte[] bytes) {
    long[] values = new long[bytes.length / Long.BYTES];
    ByteBuffer.wrap(bytes).asLongBuffer().get(values);
    return values;
  }
}
