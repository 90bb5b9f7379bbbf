package io.llmforge.trainer.serve;

import java.time.Duration;

/**
 * How the server runs.
 *
 * @param host            the address to bind (127.0.0.1: this machine only)
 * @param port            0 picks a free port ({@link ApiServer#port} says which)
 * @param maxBatch        decoder rows: sequences decoded together; 1 serves one sequence at a time (no batching)
 * @param maxQueue        requests that may wait for a row; one more is answered 429
 * @param maxTokens       the largest {@code max_tokens} a request may ask for, and the budget of one that gives none;
 *                        0: the model's block size (no sequence can be longer anyway)
 * @param apiKey          the bearer key every {@code /v1} request must carry; null: none
 * @param shutdownTimeout how long {@link ApiServer#close} lets in-flight requests finish
 */
public record ServeSettings(String host, int port, int maxBatch, int maxQueue, int maxTokens, String apiKey,
    Duration shutdownTimeout) {

  public static final String LOCALHOST = "127.0.0.1";

  public ServeSettings {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("--host must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be in [0, 65535] (0 picks a free one), got " + port);
    }
    if (maxBatch < 1 || maxBatch > 1024) {
      throw new IllegalArgumentException("--max-batch must be in [1, 1024], got " + maxBatch);
    }
    if (maxQueue < 1) {
      throw new IllegalArgumentException("--max-queue must be >= 1, got " + maxQueue);
    }
    if (maxTokens < 0) {
      throw new IllegalArgumentException("--max-tokens must be >= 0 (0: the model's block size), got " + maxTokens);
    }
    if (apiKey != null && apiKey.isEmpty()) {
      throw new IllegalArgumentException("the API key is empty");
    }
    if (shutdownTimeout == null || shutdownTimeout.isNegative()) {
      throw new IllegalArgumentException("the shutdown timeout must be >= 0");
    }
  }

  /** Local, port 0, 8 rows, 64 waiting, limit = block size, no key, 30 s to drain. */
  public static ServeSettings defaults() {
    return new ServeSettings(LOCALHOST, 0, 8, 64, 0, null, Duration.ofSeconds(30));
  }

  public ServeSettings withPort(int p) {
    return new ServeSettings(host, p, maxBatch, maxQueue, maxTokens, apiKey, shutdownTimeout);
  }

  public ServeSettings withMaxBatch(int rows) {
    return new ServeSettings(host, port, rows, maxQueue, maxTokens, apiKey, shutdownTimeout);
  }

  public ServeSettings withMaxQueue(int waiting) {
    return new ServeSettings(host, port, maxBatch, waiting, maxTokens, apiKey, shutdownTimeout);
  }

  public ServeSettings withMaxTokens(int limit) {
    return new ServeSettings(host, port, maxBatch, maxQueue, limit, apiKey, shutdownTimeout);
  }

  public ServeSettings withApiKey(String key) {
    return new ServeSettings(host, port, maxBatch, maxQueue, maxTokens, key, shutdownTimeout);
  }

  public ServeSettings withShutdownTimeout(Duration timeout) {
    return new ServeSettings(host, port, maxBatch, maxQueue, maxTokens, apiKey, timeout);
  }
}
