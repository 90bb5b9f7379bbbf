package io.llmforge.pipeline.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** Reads a stream fully but never holds more than a cap, so a 50 MB page cannot blow an executor's heap. */
final class BoundedRead {
  private BoundedRead() {}

  /** The bytes, or null when the stream holds more than {@code maxBytes}. The stream is left unconsumed then. */
  static byte[] readAtMost(InputStream in, long maxBytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    int n;
    while ((n = in.read(buf)) > 0) {
      total += n;
      if (total > maxBytes) {
        return null;
      }
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }
}
