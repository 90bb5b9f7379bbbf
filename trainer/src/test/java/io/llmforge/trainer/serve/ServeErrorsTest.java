package io.llmforge.trainer.serve;

import static io.llmforge.trainer.serve.ServeFixtures.chat;
import static io.llmforge.trainer.serve.ServeFixtures.completion;
import static io.llmforge.trainer.serve.ServeFixtures.get;
import static io.llmforge.trainer.serve.ServeFixtures.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.trainer.serve.ServeFixtures.Reply;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every way a request can be refused: the status, and OpenAI's error body naming the parameter. */
class ServeErrorsTest {
  static ApiServer server; // 4 rows, max_tokens limit 50
  static final String CHAT = "/v1/chat/completions";

  @BeforeAll
  static void start() throws Exception {
    server = ServeFixtures.start(ServeSettings.defaults().withMaxBatch(4).withMaxTokens(50));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** {"error": {"message", "type", "param", "code"}}, all four keys present, message non-empty. */
  static void assertErrorShape(Reply r, String type, String code) {
    assertEquals("application/json", r.response().headers().firstValue("Content-Type").orElse(""), r.body());
    JsonNode e = r.json().path("error");
    assertTrue(e.isObject(), r.body());
    for (String key : new String[] {"message", "type", "param", "code"}) {
      assertTrue(e.has(key), "error has '" + key + "': " + r.body());
    }
    assertTrue(e.path("message").asText().length() > 5, r.body());
    assertEquals(type, e.path("type").asText(), r.body());
    assertEquals(code, e.path("code").asText(), r.body());
  }

  static void assertBad(Reply r, String param, String code) {
    assertEquals(400, r.status(), r.body());
    assertErrorShape(r, "invalid_request_error", code);
    if (param != null) {
      assertEquals(param, r.json().path("error").path("param").asText(), r.body());
    }
  }

  static ObjectNode with(String key, Object value) {
    ObjectNode body = chat("hello");
    body.set(key, ServeFixtures.JSON.valueToTree(value));
    return body;
  }

  @Test
  void malformedBodies() {
    assertBad(post(server, CHAT, "{\"messages\": [", new String[0]), null, "invalid_json");
    assertBad(post(server, CHAT, "[1, 2]", new String[0]), null, "invalid_json");
    assertBad(post(server, CHAT, "", new String[0]), null, "invalid_json");
    Random r = new Random(3);
    for (int i = 0; i < 20; i++) { // garbage never gets past the parser, and never breaks the server
      byte[] junk = new byte[1 + r.nextInt(200)];
      r.nextBytes(junk);
      Reply reply = ServeFixtures.send(HttpRequest.newBuilder(server.url().resolve(CHAT))
          .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(junk)).build());
      assertEquals(400, reply.status(), reply.body());
    }
  }

  @Test
  void messages() {
    ObjectNode none = chat();
    none.remove("messages");
    assertBad(post(server, CHAT, none), "messages", "missing_required_parameter");
    assertBad(post(server, CHAT, chat()), "messages", "invalid_value");
    assertBad(post(server, CHAT, with("messages", "hello")), "messages", "invalid_value");
    ObjectNode unknownRole = chat();
    unknownRole.withArray("messages").addObject().put("role", "wizard").put("content", "hi");
    assertBad(post(server, CHAT, unknownRole), "messages[0].role", "invalid_value");
    ObjectNode tool = chat("hi");
    tool.withArray("messages").addObject().put("role", "tool").put("content", "42");
    assertBad(post(server, CHAT, tool), "messages[1].role", "invalid_value");
    ObjectNode noContent = chat();
    noContent.withArray("messages").addObject().put("role", "user");
    assertBad(post(server, CHAT, noContent), "messages[0].content", "invalid_value");
    ObjectNode image = chat();
    image.withArray("messages").addObject().put("role", "user").putArray("content").addObject()
        .put("type", "image_url");
    assertBad(post(server, CHAT, image), "messages[0].content", "invalid_value");
    ObjectNode noPrompt = completion("x");
    noPrompt.remove("prompt");
    assertBad(post(server, "/v1/completions", noPrompt), "prompt", "missing_required_parameter");
    ObjectNode ids = completion("x");
    ids.putArray("prompt").add(1).add(2);
    assertBad(post(server, "/v1/completions", ids), "prompt", "invalid_value");
  }

  @Test
  void unknownModelIs404ModelNotFound() {
    Reply r = post(server, CHAT, with("model", "gpt-4o"));
    assertEquals(404, r.status(), r.body());
    assertErrorShape(r, "invalid_request_error", "model_not_found");
    assertEquals("model", r.json().path("error").path("param").asText());
    Reply get = get(server, "/v1/models/gpt-4o");
    assertEquals(404, get.status());
    assertErrorShape(get, "invalid_request_error", "model_not_found");
  }

  @Test
  void samplingParametersOutOfRange() {
    assertBad(post(server, CHAT, with("max_tokens", 0)), "max_tokens", "invalid_value");
    assertBad(post(server, CHAT, with("max_tokens", -3)), "max_tokens", "invalid_value");
    assertBad(post(server, CHAT, with("max_tokens", 51)), "max_tokens", "invalid_value"); // the server's limit
    assertBad(post(server, CHAT, with("max_tokens", "ten")), "max_tokens", "invalid_value");
    assertBad(post(server, CHAT, with("max_completion_tokens", 0)), "max_completion_tokens", "invalid_value");
    assertBad(post(server, CHAT, with("temperature", 2.5)), "temperature", "invalid_value");
    assertBad(post(server, CHAT, with("temperature", -0.1)), "temperature", "invalid_value");
    assertBad(post(server, CHAT, with("temperature", "hot")), "temperature", "invalid_value");
    assertBad(post(server, CHAT, with("top_p", 0)), "top_p", "invalid_value");
    assertBad(post(server, CHAT, with("top_p", 1.5)), "top_p", "invalid_value");
    assertBad(post(server, CHAT, with("n", 0)), "n", "invalid_value");
    assertBad(post(server, CHAT, with("n", 5)), "n", "invalid_value"); // above --max-batch 4
    assertBad(post(server, CHAT, with("seed", 1.5)), "seed", "invalid_value");
    assertBad(post(server, CHAT, with("stop", new String[] {"a", "b", "c", "d", "e"})), "stop", "invalid_value");
    assertBad(post(server, CHAT, with("stop", 7)), "stop", "invalid_value");
    assertBad(post(server, CHAT, with("logit_bias", java.util.Map.of("100000", 1))), "logit_bias", "invalid_value");
    assertBad(post(server, CHAT, with("logit_bias", java.util.Map.of("1", 500))), "logit_bias", "invalid_value");
    assertBad(post(server, CHAT, with("stream", "yes")), "stream", "invalid_value");
    assertBad(post(server, CHAT, with("logprobs", true)), "logprobs", "invalid_value");
    assertBad(post(server, CHAT, with("frequency_penalty", 0.5)), "frequency_penalty", "invalid_value");
    ObjectNode tools = chat("hi");
    tools.putArray("tools").addObject().put("type", "function");
    assertBad(post(server, CHAT, tools), "tools", "invalid_value");
    // the limits' edges are fine
    ObjectNode ok = with("max_tokens", 50);
    ok.put("temperature", 2);
    ok.put("top_p", 1);
    ok.put("n", 4);
    ok.putNull("stop"); // the clients send null for unset options
    ok.put("frequency_penalty", 0);
    Reply r = post(server, CHAT, ok);
    assertEquals(200, r.status(), r.body());
  }

  @Test
  void aPromptLongerThanTheContextIsContextLengthExceeded() {
    String longText = "What is the capital of France? ".repeat(60);
    assertBad(post(server, CHAT, chat(longText)), "messages", "context_length_exceeded");
    assertBad(post(server, "/v1/completions", completion(longText)), "prompt", "context_length_exceeded");
  }

  @Test
  void unknownPathIs404AndWrongMethodIs405() {
    Reply unknown = get(server, "/v1/embeddings");
    assertEquals(404, unknown.status());
    assertErrorShape(unknown, "invalid_request_error", "unknown_url");
    Reply wrong = get(server, CHAT);
    assertEquals(405, wrong.status());
    assertErrorShape(wrong, "invalid_request_error", "method_not_allowed");
    assertEquals("POST", wrong.response().headers().firstValue("Allow").orElse(""));
    Reply postModels = post(server, "/v1/models", "{}", new String[0]);
    assertEquals(405, postModels.status());
    assertEquals("GET", postModels.response().headers().firstValue("Allow").orElse(""));
  }

  @Test
  void oversizedBodyIs413() {
    String big = "{\"messages\": [{\"role\": \"user\", \"content\": \"" + "a".repeat(CompletionsEndpoint.MAX_BODY_BYTES)
        + "\"}]}";
    Reply r = post(server, CHAT, big, new String[0]);
    assertEquals(413, r.status());
    assertErrorShape(r, "invalid_request_error", "request_too_large");
  }

  @Test
  void apiKeyIsRequiredOnTheApiAndComparedExactly() throws Exception {
    try (ApiServer keyed = ServeFixtures.start(ServeSettings.defaults().withMaxBatch(2).withApiKey("s3cret-key"))) {
      ObjectNode body = chat("hello");
      body.put("max_tokens", 3);
      Reply none = post(keyed, CHAT, body);
      assertEquals(401, none.status());
      assertErrorShape(none, "invalid_request_error", "invalid_api_key");
      assertEquals("Bearer", none.response().headers().firstValue("WWW-Authenticate").orElse(""));
      assertEquals(401, post(keyed, CHAT, body, "Authorization", "Bearer s3cret-kez").status());
      assertEquals(401, post(keyed, CHAT, body, "Authorization", "Bearer s3cret-key-and-more").status());
      assertEquals(401, post(keyed, CHAT, body, "Authorization", "Basic s3cret-key").status());
      assertEquals(401, get(keyed, "/v1/models").status());
      assertEquals(200, post(keyed, CHAT, body, "Authorization", "Bearer s3cret-key").status());
      assertEquals(200, get(keyed, "/v1/models", "Authorization", "bearer s3cret-key").status());
      assertEquals(200, get(keyed, "/health").status(), "health and the page need no key");
      assertEquals(200, get(keyed, "/").status());
    }
  }
}
