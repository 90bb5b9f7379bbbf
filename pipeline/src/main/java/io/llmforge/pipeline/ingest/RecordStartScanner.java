package io.llmforge.pipeline.ingest;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Finds where the next WARC record could start after a corrupt one: the next gzip member header
 * ({@code 1f 8b 08}) in a compressed file, or the next line starting with {@code WARC/} in a plain one.
 * A false hit (the bytes occur inside data) only costs one more failed parse and scan.
 */
final class RecordStartScanner {
  private static final byte[] GZIP_MAGIC = {0x1f, (byte) 0x8b, 0x08};
  private static final byte[] WARC_LINE = {'\n', 'W', 'A', 'R', 'C', '/'};

  private RecordStartScanner() {}

  /** Offset of the first candidate at or after {@code from}, or -1 if there is none. */
  static long next(RangeOpener opener, long from, boolean gzip) throws IOException {
    byte[] pattern = gzip ? GZIP_MAGIC : WARC_LINE;
    // A plain record starts after a newline; the pattern includes it, so the hit is one byte further on.
    int lead = gzip ? 0 : 1;
    try (InputStream in = new BufferedInputStream(opener.openAt(from), 64 * 1024)) {
      int matched = 0;
      long pos = from;
      int b;
      while ((b = in.read()) >= 0) {
        if (b == (pattern[matched] & 0xff)) {
          matched++;
        } else {
          matched = b == (pattern[0] & 0xff) ? 1 : 0;
        }
        pos++;
        if (matched == pattern.length) {
          return pos - pattern.length + lead;
        }
      }
      return -1;
    }
  }
}
