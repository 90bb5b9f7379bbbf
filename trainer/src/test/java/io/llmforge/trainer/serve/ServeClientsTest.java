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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real clients against a real server: the official {@code openai} npm package (chat completions with and without
 * streaming), the chat page's own JavaScript under node (its fetch + ReadableStream SSE parsing), and the page in
 * headless Chromium. Each skips, saying why, when its program is not on PATH or the package cannot be installed.
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
   * The page in a real browser: opened with {@code ?q=...}, it fetches the model's name, streams an answer and
   * renders it; {@code --dump-dom} prints the DOM after the page's work. Not run where no Chromium is installed.
   */
  @Test
  void thePageStreamsAnAnswerInHeadlessChromium(@TempDir Path dir) throws Exception {
    Optional<String> chromium = onPath("chromium").or(() -> onPath("chromium-browser"))
        .or(() -> onPath("google-chrome"));
    assumeTrue(chromium.isPresent(), "no chromium / chromium-browser / google-chrome on PATH: the headless-browser "
        + "test of the chat page is skipped (the page's script is still run under node by another test)");
    try (ApiServer open = ServeFixtures.start(ServeSettings.defaults().withMaxBatch(2))) {
      Run browser = run(dir, 120, chromium.get(), "--headless", "--no-sandbox", "--disable-gpu",
          "--user-data-dir=" + dir.resolve("profile"), "--virtual-time-budget=20000", "--dump-dom",
          open.url() + "?q=Tell%20me%20a%20joke.");
      assertEquals(0, browser.code(), browser.output());
      String dom = browser.output();
      assertTrue(dom.contains(">" + ServeFixtures.NAME + "<"), "the model's name is shown: " + dom);
      assertTrue(dom.contains("class=\"msg user\">Tell me a joke.<"), dom);
      assertTrue(dom.contains("data-finish-reason="), "the answer streamed to its end: " + dom);
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
