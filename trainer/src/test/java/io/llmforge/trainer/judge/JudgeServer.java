package io.llmforge.trainer.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 playing an AI judge behind chat completions, with faults: every question gets a
 * 429 (with Retry-After) first, then a 500, and only the third time a verdict: the answer that says "good" wins, in
 * MT-Bench's [[A]] / [[B]] format. A question containing BIASED always gets [[A]], TIED gets [[C]], RAMBLE gets a reply
 * without a verdict, FAILME only ever gets 500, GARBLED a 200 whose body is not JSON. With {@link #garbage} every
 * reply is such a 200. Another {@link Rule} may decide the verdicts (the RL tests' judge checks sums); the faults stay.
 */
public final class JudgeServer implements AutoCloseable {
  /** The verdict ([[A]], [[B]], [[C]] or any reply) on a question showing answers a and b. */
  public interface Rule {
    String verdict(String question, String a, String b);
  }

  /** The default rule: the answer that says "good" wins; the markers above apply. */
  static final Rule GOOD_WINS = (question, a, b) -> question.contains("BIASED") ? "[[A]]"
      : question.contains("TIED") ? "[[C]]" : question.contains("RAMBLE") ? "Both answers have their merits."
      : a.contains("good") ? "[[A]]" : "[[B]]";

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;
  private final ExecutorService pool = Executors.newFixedThreadPool(4);
  private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
  private final Rule rule;
  public final AtomicInteger requests = new AtomicInteger();
  public final AtomicInteger throttled = new AtomicInteger();
  public final AtomicInteger serverErrors = new AtomicInteger();
  public final AtomicInteger verdicts = new AtomicInteger();
  volatile boolean garbage;

  JudgeServer() throws IOException {
    this(GOOD_WINS);
  }

  public JudgeServer(Rule rule) throws IOException {
    this.rule = rule;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/chat/completions", this::handle);
    server.setExecutor(pool);
    server.start();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  private void handle(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
    if (garbage || question(body).contains("GARBLED")) {
      send(exchange, 200, "<html>upstream says hello</html>", null);
      return;
    }
    String question = question(body);
    int attempt = attempts.merge(question, 1, Integer::sum);
    if (question.contains("FAILME") || attempt == 2) {
      serverErrors.incrementAndGet();
      send(exchange, 500, "{\"error\": \"boom\"}", null);
      return;
    }
    if (attempt == 1) {
      throttled.incrementAndGet();
      send(exchange, 429, "{\"error\": {\"message\": \"slow down\"}}", "0");
      return;
    }
    String a = between(question, "[The Start of Assistant A's Answer]\n", "\n[The End of Assistant A's Answer]");
    String b = between(question, "[The Start of Assistant B's Answer]\n", "\n[The End of Assistant B's Answer]");
    String verdict = rule.verdict(question, a, b);
    verdicts.incrementAndGet();
    String reply = JSON.createObjectNode().set("choices", JSON.createArrayNode().add(JSON.createObjectNode()
        .put("index", 0).put("finish_reason", "stop")
        .set("message", JSON.createObjectNode().put("role", "assistant").put("content", verdict)))).toString();
    send(exchange, 200, reply, null);
  }

  private static String question(JsonNode body) {
    JsonNode messages = body.path("messages");
    return messages.get(messages.size() - 1).path("content").asText();
  }

  private static String between(String s, String from, String to) {
    int i = s.indexOf(from);
    int j = s.indexOf(to, i + from.length());
    return i < 0 || j < 0 ? "" : s.substring(i + from.length(), j);
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
    pool.shutdownNow();
  }
}
