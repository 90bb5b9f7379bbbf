package io.llmforge.pipeline.rephrase;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 speaking the chat-completions protocol, with faults on demand: the first
 * attempt of every third distinct prompt gets a 429 (with Retry-After), of every fifth a 500; prompts containing
 * {@code FAILME} get 500 for as long as {@link #failPermanently} is set.
 */
final class ChatServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger throttled = new AtomicInteger();
  final AtomicInteger serverErrors = new AtomicInteger();
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  final List<String> answeredPrompts = new CopyOnWriteArrayList<>();
  private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
  private final AtomicInteger distinct = new AtomicInteger();
  private final Map<String, Integer> ordinal = new ConcurrentHashMap<>();
  volatile boolean failPermanently = true;
  volatile boolean injectFaults = true;

  ChatServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/chat/completions", this::handle);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  private void handle(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
    String auth = exchange.getRequestHeaders().getFirst("Authorization");
    authorizations.add(auth == null ? "" : auth);
    JsonNode messages = body.path("messages");
    String prompt = messages.get(messages.size() - 1).path("content").asText();
    int n = ordinal.computeIfAbsent(prompt, p -> distinct.incrementAndGet());
    int attempt = attempts.merge(prompt, 1, Integer::sum);
    if (prompt.contains("FAILME") && failPermanently) {
      serverErrors.incrementAndGet();
      send(exchange, 500, "{\"error\": \"boom\"}", null);
      return;
    }
    if (injectFaults && attempt == 1 && n % 3 == 0) {
      throttled.incrementAndGet();
      send(exchange, 429, "{\"error\": {\"message\": \"slow down\"}}", "0");
      return;
    }
    if (injectFaults && attempt == 1 && n % 5 == 0) {
      serverErrors.incrementAndGet();
      send(exchange, 503, "{\"error\": \"overloaded\"}", null);
      return;
    }
    String doc = prompt.substring(prompt.indexOf("Text:\n") + 6);
    String answer = body.path("model").asText() + " says: " + doc.toUpperCase();
    answeredPrompts.add(prompt);
    String reply = JSON.createObjectNode().set("choices", JSON.createArrayNode().add(JSON.createObjectNode()
        .put("index", 0).put("finish_reason", "stop")
        .set("message", JSON.createObjectNode().put("role", "assistant").put("content", answer)))).toString();
    send(exchange, 200, reply, null);
  }

  private static void send(HttpExchange exchange, int status, String body, String retryAfter) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    if (retryAfter != null) {
      exchange.getResponseHeaders().add("Retry-After", retryAfter);
    }
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
