package io.llmforge.trainer.serve;

import static io.llmforge.trainer.serve.ServeFixtures.chat;
import static io.llmforge.trainer.serve.ServeFixtures.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real clients against a real server: the official {@code openai} npm package (chat completions with and without
 * streaming), the chat page's own JavaScript under node (its fetch + ReadableStream SSE parsing), and the page in
 * headless Chromium driven over the DevTools protocol. Each skips, saying why, when its program is not on PATH or
 * the package cannot be installed.
 */
class ServeClientsTest {
  static final String KEY = "test-key-123";
  static ApiServer server;

  @BeforeAll
  static void start() throws Exception {
    server = ServeFixtures.start(ServeSettings.defaults().withMaxBatch(4).withApiKey(KEY));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** The greedy answer of 12 tokens to {@code question}, straight from the server's JSON API. */
  static String greedyAnswer(String question) {
    ObjectNode body = chat(question);
    body.put("temperature", 0);
    body.put("max_tokens", 12);
    ServeFixtures.Reply r = post(server, "/v1/chat/completions", body, "Authorization", "Bearer " + KEY);
    assertEquals(200, r.status(), r.body());
    return r.json().path("choices").get(0).path("message").path("content").asText();
  }

  @Test
  void theOfficialOpenAiNodeClientTalksToTheServer(@TempDir Path dir) throws Exception {
    assumeTrue(onPath("node").isPresent() && onPath("npm").isPresent(), "node and npm are not on PATH: skipped");
    Run install = run(dir, 300, "npm", "install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error",
        "openai");
    assumeTrue(install.code() == 0 && Files.isDirectory(dir.resolve("node_modules/openai")),
        "npm install openai failed (offline, and not in the npm cache?): skipped; " + install.output());
    Files.writeString(dir.resolve("client.mjs"), """
        import OpenAI from "openai";
        const [baseURL, apiKey] = process.argv.slice(2);
        const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
        const messages = [{ role: "user", content: "What is the capital of France?" }];
        const plain = await client.chat.completions.create({
          model: "tiny", messages, temperature: 0, max_tokens: 12 });
        const stream = await client.chat.completions.create({
          model: "tiny", messages, temperature: 0, max_tokens: 12, stream: true,
          stream_options: { include_usage: true } });
        const chunks = [];
        for await (const chunk of stream) chunks.push(chunk);
        const models = await client.models.list();
        let notFound = null;
        try {
          await client.chat.completions.create({ model: "nope", messages });
        } catch (e) {
          notFound = { status: e.status, type: e.constructor.name, code: e.code };
        }
        let badKey = null;
        try {
          await new OpenAI({ baseURL, apiKey: "wrong", maxRetries: 0 }).models.list();
        } catch (e) {
          badKey = { status: e.status, type: e.constructor.name };
        }
        console.log(JSON.stringify({ plain, chunks, models: models.data, notFound, badKey }));
        """);
    Run client = run(dir, 120, "node", "client.mjs", server.url() + "v1", KEY);
    assertEquals(0, client.code(), client.output());
    JsonNode out = ServeFixtures.JSON.readTree(lastLine(client.output()));
    String expected = greedyAnswer("What is the capital of France?");

    JsonNode plain = out.path("plain");
    assertEquals("chat.completion", plain.path("object").asText(), plain.toString());
    assertEquals("assistant", plain.path("choices").get(0).path("message").path("role").asText());
    assertEquals(expected, plain.path("choices").get(0).path("message").path("content").asText());
    assertTrue(plain.path("usage").path("total_tokens").asInt() > 0);

    StringBuilder streamed = new StringBuilder();
    String finish = null;
    for (JsonNode chunk : out.path("chunks")) {
      assertEquals("chat.completion.chunk", chunk.path("object").asText());
      for (JsonNode c : chunk.path("choices")) {
        streamed.append(c.path("delta").path("content").asText(""));
        if (c.hasNonNull("finish_reason")) {
          finish = c.get("finish_reason").asText();
        }
      }
    }
    assertEquals(expected, streamed.toString(), "the client's stream joins to the same answer");
    assertEquals(plain.path("choices").get(0).path("finish_reason").asText(), finish);
    JsonNode last = out.path("chunks").get(out.path("chunks").size() - 1);
    assertEquals(plain.path("usage"), last.path("usage"), "include_usage: the last chunk has the usage");

    assertEquals(ServeFixtures.NAME, out.path("models").get(0).path("id").asText());
    assertEquals(404, out.path("notFound").path("status").asInt(), out.toString());
    assertEquals("NotFoundError", out.path("notFound").path("type").asText());
    assertEquals("model_not_found", out.path("notFound").path("code").asText());
    assertEquals(401, out.path("badKey").path("status").asInt());
    assertEquals("AuthenticationError", out.path("badKey").path("type").asText());
  }

  @Test
  void theChatPagesOwnStreamingCodeRunsUnderNode(@TempDir Path dir) throws Exception {
    assumeTrue(onPath("node").isPresent(), "node is not on PATH: skipped (the page's script is not run)");
    String page = ServeFixtures.get(server, "/").body();
    String script = page.substring(page.indexOf("<script>") + "<script>".length(), page.indexOf("</script>"));
    Files.writeString(dir.resolve("page.js"), script);
    Files.writeString(dir.resolve("drive.mjs"), """
        import { readFileSync } from "node:fs";
        import vm from "node:vm";
        const [baseUrl, apiKey] = process.argv.slice(2);
        vm.runInThisContext(readFileSync(new URL("./page.js", import.meta.url), "utf8"));
        const chat = globalThis.LlmforgeChat;
        const split = chat.parseSse("data: {\\"a\\":1}\\n\\n: keep-alive\\n\\ndata: [DONE]\\n\\ndata: {\\"b\\"");
        const model = await chat.modelName(baseUrl, apiKey);
        const deltas = [];
        const result = await chat.streamChat({ baseUrl, apiKey, model,
          messages: [{ role: "user", content: "Tell me a joke." }], temperature: 0, maxTokens: 12,
          onDelta: (d) => deltas.push(d) });
        let error = null;
        try {
          await chat.streamChat({ baseUrl, apiKey, model: "nope", messages: [], temperature: 0, maxTokens: 5 });
        } catch (e) {
          error = e.message;
        }
        console.log(JSON.stringify({ split, model, deltas, result, error }));
        """);
    Run node = run(dir, 120, "node", "drive.mjs", server.url().toString(), KEY);
    assertEquals(0, node.code(), node.output());
    JsonNode out = ServeFixtures.JSON.readTree(lastLine(node.output()));
    JsonNode events = out.path("split").path("events");
    assertEquals(2, events.size(), out.toString());
    assertEquals("{\"a\":1}", events.get(0).asText(), "data lines, comments skipped");
    assertEquals("[DONE]", events.get(1).asText());
    assertEquals("data: {\"b\"", out.path("split").path("rest").asText(), "an unfinished event waits");
    assertEquals(ServeFixtures.NAME, out.path("model").asText(), "the page shows the served model's name");
    String expected = greedyAnswer("Tell me a joke.");
    assertEquals(expected, out.path("result").path("content").asText());
    StringBuilder joined = new StringBuilder();
    out.path("deltas").forEach(d -> joined.append(d.asText()));
    assertEquals(expected, joined.toString(), "streamed piece by piece");
    assertTrue(out.path("error").asText().contains("does not exist"), out.toString());
  }

  /**
   * The page in a real browser, driven over the DevTools protocol as a user would use it: it shows the served
   * model's name, then a question typed with temperature 0 streams an answer equal to the API's greedy answer, and a
   * second question is sent with the whole conversation (its answer is the API's for all three messages). Skipped,
   * saying so, where no Chromium is installed.
   */
  @Test
  void thePageHoldsAConversationInHeadlessChromium(@TempDir Path dir) throws Exception {
    Optional<String> chromium = onPath("chromium").or(() -> onPath("chromium-browser"))
        .or(() -> onPath("google-chrome"));
    assumeTrue(chromium.isPresent(), "no chromium / chromium-browser / google-chrome on PATH: the headless-browser "
        + "test of the chat page is skipped (the page's script is still run under node by another test)");
    try (ApiServer open = ServeFixtures.start(ServeSettings.defaults().withMaxBatch(2));
        DevTools page = DevTools.open(chromium.get(), dir, open.url().toString())) {
      assertTrue(page.waitFor("document.getElementById('model').textContent === '" + ServeFixtures.NAME + "'"),
          "the page shows the model's name: " + page.evaluate("document.getElementById('model').textContent"));
      String first = "Tell me a joke.";
      page.evaluate("document.getElementById('temperature').value = '0';"
          + "document.getElementById('max-tokens').value = '12';"
          + "document.getElementById('input').value = '" + first + "';"
          + "document.getElementById('form').requestSubmit(); true");
      String done = "document.querySelectorAll('.msg.assistant[data-finish-reason]').length";
      assertTrue(page.waitFor(done + " === 1"), "the answer streams to its end: " + page.html());
      String answer = page.evaluate("document.querySelectorAll('.msg.assistant')[0].textContent").asText();
      assertTrue(!answer.isEmpty(), "an answer to compare: " + page.html());
      assertEquals(greedy(open, List.of("user", first)), answer, "the page shows the API's greedy answer");

      String second = "And another one?";
      page.evaluate("document.getElementById('input').value = '" + second + "';"
          + "document.getElementById('form').requestSubmit(); true");
      assertTrue(page.waitFor(done + " === 2"), "the second answer streams to its end: " + page.html());
      String answer2 = page.evaluate("document.querySelectorAll('.msg.assistant')[1].textContent").asText();
      assertEquals(greedy(open, List.of("user", first, "assistant", answer, "user", second)), answer2,
          "the page sends the whole conversation");
      assertEquals(0, page.evaluate("document.querySelectorAll('.msg.error').length").asInt(), page.html());
    }
  }

  /** The greedy 12-token answer to a conversation given as role, content, role, content, ... */
  static String greedy(ApiServer server, List<String> turns) {
    ObjectNode body = ServeFixtures.JSON.createObjectNode();
    for (int i = 0; i < turns.size(); i += 2) {
      body.withArray("messages").addObject().put("role", turns.get(i)).put("content", turns.get(i + 1));
    }
    body.put("temperature", 0);
    body.put("max_tokens", 12);
    ServeFixtures.Reply r = post(server, "/v1/chat/completions", body);
    assertEquals(200, r.status(), r.body());
    return r.json().path("choices").get(0).path("message").path("content").asText();
  }

  /** A headless Chromium on one page, and Runtime.evaluate over its DevTools WebSocket. */
  static final class DevTools implements AutoCloseable {
    private final Process browser;
    private final WebSocket socket;
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    private DevTools(Process browser, WebSocket socket) {
      this.browser = browser;
      this.socket = socket;
    }

    static DevTools open(String chromium, Path dir, String url) throws Exception {
      Path profile = dir.resolve("profile");
      Process browser = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu",
          "--remote-debugging-port=0", "--remote-allow-origins=*", "--user-data-dir=" + profile, url)
          .redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile()).start();
      Path portFile = profile.resolve("DevToolsActivePort");
      if (!ServeFixtures.eventually(() -> Files.isRegularFile(portFile) && sizeOf(portFile) > 0)) {
        browser.destroyForcibly();
        throw new AssertionError("chromium did not open its DevTools port: " + Files.readString(dir.resolve(
            "chromium.log")));
      }
      int port = Integer.parseInt(Files.readAllLines(portFile).get(0).strip());
      HttpClient http = HttpClient.newHttpClient();
      String wsUrl = null;
      for (int attempt = 0; attempt < 100 && wsUrl == null; attempt++) {
        JsonNode targets = ServeFixtures.JSON.readTree(http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/json/list")).build(), HttpResponse.BodyHandlers.ofString())
            .body());
        for (JsonNode t : targets) {
          if ("page".equals(t.path("type").asText()) && t.path("url").asText().startsWith(url)) {
            wsUrl = t.path("webSocketDebuggerUrl").asText();
          }
        }
        if (wsUrl == null) {
          Thread.sleep(100);
        }
      }
      if (wsUrl == null) {
        browser.destroyForcibly();
        throw new AssertionError("chromium has no page for " + url);
      }
      DevTools[] self = new DevTools[1];
      StringBuilder frame = new StringBuilder();
      WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(wsUrl), new WebSocket.Listener() {
        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
          frame.append(data);
          if (last) {
            self[0].receive(frame.toString());
            frame.setLength(0);
          }
          ws.request(1);
          return null;
        }
      }).get(30, TimeUnit.SECONDS);
      self[0] = new DevTools(browser, socket);
      return self[0];
    }

    private static long sizeOf(Path p) {
      try {
        return Files.size(p);
      } catch (IOException e) {
        return 0;
      }
    }

    private void receive(String message) {
      try {
        JsonNode m = ServeFixtures.JSON.readTree(message);
        CompletableFuture<JsonNode> f = pending.remove(m.path("id").asInt(-1));
        if (f != null) {
          f.complete(m);
        }
      } catch (IOException e) {
        // an event we do not read
      }
    }

    /** The value of a JavaScript expression in the page. */
    JsonNode evaluate(String expression) throws Exception {
      int id = ids.incrementAndGet();
      CompletableFuture<JsonNode> reply = new CompletableFuture<>();
      pending.put(id, reply);
      ObjectNode call = ServeFixtures.JSON.createObjectNode();
      call.put("id", id);
      call.put("method", "Runtime.evaluate");
      call.putObject("params").put("expression", expression).put("returnByValue", true);
      socket.sendText(call.toString(), true).get(30, TimeUnit.SECONDS);
      JsonNode m = reply.get(30, TimeUnit.SECONDS);
      if (m.path("result").has("exceptionDetails")) {
        throw new AssertionError("the page threw: " + m.path("result").path("exceptionDetails"));
      }
      return m.path("result").path("result").path("value");
    }

    /** Polls a boolean expression until it is true (true) or 30 s pass (false). */
    boolean waitFor(String condition) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        try {
          if (evaluate(condition).asBoolean(false)) {
            return true;
          }
        } catch (AssertionError stillLoading) {
          // the page's elements are not there yet
        }
        Thread.sleep(50);
      }
      return false;
    }

    String html() throws Exception {
      return evaluate("document.getElementById('log').outerHTML").asText();
    }

    @Override
    public void close() {
      socket.abort();
      browser.destroy();
      try {
        if (!browser.waitFor(10, TimeUnit.SECONDS)) {
          browser.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        browser.destroyForcibly();
      }
    }
  }

  record Run(int code, String output) {}

  static Run run(Path dir, int timeoutSeconds, String... command) throws IOException, InterruptedException {
    Path log = dir.resolve("run-" + System.nanoTime() + ".log");
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new Run(-1, "timed out after " + timeoutSeconds + " s: " + Files.readString(log));
    }
    return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  static Optional<String> onPath(String program) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(d, program);
      if (Files.isExecutable(p)) {
        return Optional.of(p.toString());
      }
    }
    return Optional.empty();
  }

  static String lastLine(String output) {
    List<String> lines = new ArrayList<>(output.lines().filter(l -> !l.isBlank()).toList());
    return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
  }
}
