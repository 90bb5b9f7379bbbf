package io.llmforge.pipeline.rephrase;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rewrites through an OpenAI-compatible {@code POST {endpoint}/chat/completions} (OpenAI, vLLM, llama.cpp's
 * server, Ollama, TGI). A batch goes out as concurrent requests, at most {@code concurrency} in flight, each
 * taking a permit from the {@link TokenBucket} first. 429, 5xx, timeouts and connection errors are retried with
 * {@link Backoff} (honouring {@code Retry-After}); other 4xx, truncated ({@code finish_reason = length}) or
 * empty answers fail at once. The API key goes in the {@code Authorization} header and nowhere else.
 */
public final class OpenAiChatBackend implements RephraseBackend {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final BackendSettings settings;
  private final URI uri;
  private final HttpClient client;
  private final ExecutorService pool;
  private final TokenBucket bucket;
  private final Backoff backoff;
  private final Map<String, AtomicLong> counters = new TreeMap<>();

  public OpenAiChatBackend(BackendSettings settings) {
    this.settings = settings;
    String base = settings.endpoint().endsWith("/") ? settings.endpoint().substring(0, settings.endpoint().length() - 1)
        : settings.endpoint();
    this.uri = URI.create(base + "/chat/completions");
    this.pool = Executors.newFixedThreadPool(settings.concurrency(), r -> {
      Thread t = new Thread(r, "llmforge-rephrase-http");
      t.setDaemon(true);
      return t;
    });
    // The client keeps its own executor: sharing the pool whose threads block in send() could deadlock it.
    this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(settings.timeout())
        .build();
    this.bucket = new TokenBucket(settings.requestsPerSecond(), Math.max(1, settings.concurrency()));
    this.backoff = new Backoff(settings.initialBackoff(), settings.maxBackoff());
    for (String c : COUNTERS) {
      counters.put(c, new AtomicLong());
    }
  }

  @Override
  public List<String> rephrase(List<Request> requests) {
    List<Future<String>> futures = new ArrayList<>(requests.size());
    for (Request r : requests) {
      futures.add(pool.submit(() -> call(r)));
    }
    List<String> results = new ArrayList<>(requests.size());
    for (Future<String> f : futures) {
      try {
        results.add(f.get());
      } catch (ExecutionException e) {
        count("failed_network");
        results.add(null);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        futures.forEach(x -> x.cancel(true));
        throw new IllegalStateException("rephrase batch interrupted", e);
      }
    }
    return results;
  }

  /** One request with its retries; null when it failed for good. */
  private String call(Request r) throws InterruptedException {
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(settings.timeout())
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body(r)));
    if (!settings.apiKey().isEmpty()) {
      builder.header("Authorization", "Bearer " + settings.apiKey().reveal());
    }
    HttpRequest request = builder.build();
    Random jitter = new Random(r.key().hashCode());
    for (int attempt = 0; ; attempt++) {
      bucket.acquire();
      count("http_requests");
      Optional<String> retryAfter = Optional.empty();
      String failure;
      try {
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status == 200) {
          return answer(response.body());
        }
        if (status != 429 && status < 500) {
          count("failed_http_status");
          return null;
        }
        retryAfter = response.headers().firstValue("Retry-After");
        failure = "failed_http_status";
      } catch (IOException e) { // includes HttpTimeoutException and refused connections
        failure = "failed_network";
      }
      if (attempt >= settings.maxRetries()) {
        count(failure);
        return null;
      }
      count("retries");
      Thread.sleep(backoff.delayMillis(attempt, retryAfter, jitter, System.currentTimeMillis()));
    }
  }

  private String answer(String body) {
    try {
      JsonNode choice = JSON.readTree(body).path("choices").path(0);
      String content = choice.path("message").path("content").asText("");
      if ("length".equals(choice.path("finish_reason").asText())) {
        count("failed_truncated"); // a rewrite cut off mid-sentence is worse than none
        return null;
      }
      if (content.isBlank()) {
        count("failed_bad_response");
        return null;
      }
      count("ok");
      return content.strip();
    } catch (IOException e) {
      count("failed_bad_response");
      return null;
    }
  }

  String body(Request r) {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", settings.model());
    var messages = body.putArray("messages");
    if (!r.system().isEmpty()) {
      messages.addObject().put("role", "system").put("content", r.system());
    }
    messages.addObject().put("role", "user").put("content", r.user());
    body.put("temperature", settings.temperature());
    body.put("max_tokens", settings.maxTokens());
    return body.toString();
  }

  private void count(String counter) {
    counters.get(counter).incrementAndGet();
  }

  @Override
  public Map<String, Long> counters() {
    Map<String, Long> snapshot = new TreeMap<>();
    counters.forEach((k, v) -> snapshot.put(k, v.get()));
    return snapshot;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
