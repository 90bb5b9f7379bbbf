package io.llmforge.trainer.serve;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events as OpenAI streams them: {@code data: <json>\n\n} per event, {@code data: [DONE]\n\n} at the end,
 * each flushed at once (the response is chunked, so every flush is a chunk on the wire). A write that fails means
 * the client is gone: the IOException goes to the caller, which cancels the generation.
 */
final class SseWriter {
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

  private final OutputStream out;

  SseWriter(OutputStream out) {
    this.out = out;
  }

  void data(String json) throws IOException {
    out.write(DATA);
    out.write(json.getBytes(StandardCharsets.UTF_8));
    out.write(END);
    out.flush();
  }

  void done() throws IOException {
    out.write(DONE);
    out.flush();
  }

  /**
   * An SSE comment, which clients ignore: sent while a request waits, so that a client that left is noticed (its
   * write fails) before it would get a row.
   */
  void keepAlive() throws IOException {
    out.write(KEEP_ALIVE);
    out.flush();
  }
}
