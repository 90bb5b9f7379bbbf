package io.llmforge.trainer.serve;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** The few things every handler does with an exchange. */
final class Http {
  static final String JSON = "application/json";

  private Http() {}

  /** The whole request body; 413 above {@code maxBytes} (read no further than that). */
  static byte[] body(HttpExchange ex, int maxBytes) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      byte[] b = in.readNBytes(maxBytes + 1);
      if (b.length > maxBytes) {
        throw ApiError.tooLarge(maxBytes);
      }
      return b;
    }
  }

  static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  static void json(HttpExchange ex, int status, String json) throws IOException {
    send(ex, status, JSON, json.getBytes(StandardCharsets.UTF_8));
  }

  static void error(HttpExchange ex, ApiError e) throws IOException {
    if (e.status() == 401) {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
    }
    send(ex, e.status(), JSON, e.body());
  }
}
