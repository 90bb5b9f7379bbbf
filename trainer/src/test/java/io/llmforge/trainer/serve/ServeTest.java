package io.llmforge.trainer.serve;

import static io.llmforge.trainer.serve.ServeFixtures.chat;
import static io.llmforge.trainer.serve.ServeFixtures.completion;
import static io.llmforge.trainer.serve.ServeFixtures.eventually;
import static io.llmforge.trainer.serve.ServeFixtures.get;
import static io.llmforge.trainer.serve.ServeFixtures.health;
import static io.llmforge.trainer.serve.ServeFixtures.neverStop;
import static io.llmforge.trainer.serve.ServeFixtures.post;
import static io.llmforge.trainer.serve.ServeFixtures.stream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.trainer.generate.Generator;
import io.llmforge.trainer.generate.Sampler;
import io.llmforge.trainer.serve.CompletionRequest.Kind;
import io.llmforge.trainer.serve.ServeFixtures.Reply;
import io.llmforge.trainer.serve.ServeFixtures.Stream;
import io.llmforge.trainer.sft.ChatTemplate;
import io.llmforge.trainer.sft.Message;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server end to end over real HTTP (JDK HttpClient, and a raw socket for a disconnect): the OpenAI shapes,
 * streamed and not, usage, n, seeds, greedy answers equal to {@link Generator}'s alone and under continuous
 * batching, 32 concurrent streams, a client leaving mid-stream, failures that stay with their request, and shutdown.
 */
class ServeTest {
  static ApiServer server; // 8 rows
  static ServedModel reference; // the same weights, for Generator (its own engine: nothing shared across threads)

  @BeforeAll
  static void start() throws Exception {
    server = ServeFixtures.start(ServeSettings.defaults().withMaxBatch(8));
    reference = ServeFixtures.model();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** What Generator answers: the text before the first stop id, and OpenAI's finish_reason. */
  record Expected(String text, String finishReason, int promptTokens, int completionTokens) {}

  static Expected generator(Kind kind, String input, int maxTokens, Sampler sampler, long seed) {
    return generator(kind, input, maxTokens, sampler, seed, true);
  }

  /** {@code spareStops} false: the stop ids are penalised like any id (the generation runs without stop ids). */
  static Expected generator(Kind kind, String input, int maxTokens, Sampler sampler, long seed, boolean spareStops) {
    ChatTemplate template = reference.template();
    int[] prompt = kind == Kind.CHAT ? template.prompt(List.of(Message.user(input)))
        : input.isEmpty() ? new int[] {reference.tokenizer().endOfTextId()} : reference.tokenizer().encode(input);
    Set<Integer> stops = reference.stopIds(kind);
    int[] out = new Generator(reference.engine(), sampler, seed).generate(prompt, maxTokens,
        spareStops ? stops : Set.of());
    for (int i = prompt.length; !spareStops && i < out.length; i++) {
      if (stops.contains(out[i])) {
        out = Arrays.copyOf(out, i + 1);
      }
    }
    int generated = out.length - prompt.length;
    boolean stopped = generated > 0 && stops.contains(out[out.length - 1]);
    int textEnd = stopped ? out.length - 1 : out.length;
    String text = reference.tokenizer().decode(Arrays.copyOfRange(out, prompt.length, textEnd));
    return new Expected(text, stopped ? "stop" : "length", prompt.length, generated);
  }

  static String content(Reply r, int choice) {
    JsonNode c = r.json().path("choices").get(choice);
    return c.has("message") ? c.path("message").path("content").asText() : c.path("text").asText();
  }

  @Test
  void chatCompletionHasOpenAisShapeAndUsage() {
    ObjectNode body = chat("What is the capital of France?");
    body.put("temperature", 0);
    body.put("max_tokens", 24);
    Reply r = post(server, "/v1/chat/completions", body);
    assertEquals(200, r.status(), r.body());
    assertEquals("application/json", r.response().headers().firstValue("Content-Type").orElse(""));
    JsonNode j = r.json();
    assertEquals("chat.completion", j.path("object").asText());
    assertTrue(j.path("id").asText().startsWith("chatcmpl-"), j.toString());
    assertTrue(j.path("created").asLong() > 1_700_000_000L);
    assertEquals(ServeFixtures.NAME, j.path("model").asText());
    assertEquals(1, j.path("choices").size());
    JsonNode choice = j.path("choices").get(0);
    assertEquals(0, choice.path("index").asInt());
    assertEquals("assistant", choice.path("message").path("role").asText());
    Expected e = generator(Kind.CHAT, "What is the capital of France?", 24, Sampler.greedy(), 0);
    assertTrue(e.text().length() > 10, "a real answer to compare: '" + e.text() + "'");
    assertEquals(e.text(), choice.path("message").path("content").asText());
    assertEquals(e.finishReason(), choice.path("finish_reason").asText());
    JsonNode usage = j.path("usage");
    assertEquals(e.promptTokens(), usage.path("prompt_tokens").asInt());
    assertEquals(e.completionTokens(), usage.path("completion_tokens").asInt());
    assertEquals(usage.path("prompt_tokens").asInt() + usage.path("completion_tokens").asInt(),
        usage.path("total_tokens").asInt());
  }

  @Test
  void theRepetitionPenaltySparesTheStopIdsInChat() {
    ObjectNode body = chat("What is the capital of France?");
    body.put("temperature", 0);
    body.put("max_tokens", 24);
    body.put("repetition_penalty", 3.0);
    Reply r = post(server, "/v1/chat/completions", body);
    assertEquals(200, r.status(), r.body());
    Sampler penalised = Sampler.greedy().withRepetitionPenalty(3.0);
    Expected spared = generator(Kind.CHAT, "What is the capital of France?", 24, penalised, 0);
    // every id penalised: the ids a stop-less generation (nothing to spare) draws, up to its first stop id
    Expected all = generator(Kind.CHAT, "What is the capital of France?", 24, penalised, 0, false);
    assertNotEquals(all, spared, "the fixture must tell the two apart");
    assertEquals(spared.text(), content(r, 0));
    assertEquals(spared.finishReason(), r.json().path("choices").get(0).path("finish_reason").asText());
  }

  @Test
  void usageCountsEveryTokenUpToMaxTokens() {
    ObjectNode body = neverStop(chat("Tell me a joke."));
    body.put("max_tokens", 17);
    Reply r = post(server, "/v1/chat/completions", body);
    assertEquals(200, r.status(), r.body());
    assertEquals("length", r.json().path("choices").get(0).path("finish_reason").asText());
    assertEquals(17, r.json().path("usage").path("completion_tokens").asInt());
    int prompt = reference.template().prompt(List.of(Message.user("Tell me a joke."))).length;
    assertEquals(prompt, r.json().path("usage").path("prompt_tokens").asInt());
  }

  @Test
  void streamedChatSendsRoleThenContentThenFinishThenDone() {
    ObjectNode body = chat("Translate hello into French.");
    body.put("temperature", 0);
    body.put("max_tokens", 30);
    body.putObject("stream_options").put("include_usage", true);
    Stream s = stream(server, "/v1/chat/completions", body);
    assertEquals(200, s.status());
    assertTrue(s.contentType().startsWith("text/event-stream"), s.contentType());
    assertTrue(s.done(), "the stream ends with data: [DONE]");
    List<JsonNode> events = s.events();
    Set<String> ids = new HashSet<>();
    for (JsonNode e : events) {
      assertEquals("chat.completion.chunk", e.path("object").asText(), e.toString());
      assertEquals(ServeFixtures.NAME, e.path("model").asText());
      ids.add(e.path("id").asText());
    }
    assertEquals(1, ids.size(), "every chunk carries the same id");
    JsonNode first = events.get(0).path("choices").get(0);
    assertEquals("assistant", first.path("delta").path("role").asText(), "the first delta has the role");
    assertTrue(first.path("finish_reason").isNull());
    Expected e = generator(Kind.CHAT, "Translate hello into French.", 30, Sampler.greedy(), 0);
    assertEquals(e.text(), s.text(0), "the deltas join to Generator's answer");
    JsonNode usageChunk = events.get(events.size() - 1);
    assertEquals(0, usageChunk.path("choices").size(), "include_usage: a last chunk with no choices");
    assertEquals(e.completionTokens(), usageChunk.path("usage").path("completion_tokens").asInt());
    JsonNode finish = events.get(events.size() - 2).path("choices").get(0);
    assertEquals(e.finishReason(), finish.path("finish_reason").asText());
    assertEquals(0, finish.path("delta").size(), "the finishing chunk has an empty delta");
    for (JsonNode ev : events.subList(1, events.size() - 2)) {
      assertTrue(ev.path("choices").get(0).path("finish_reason").isNull());
      assertTrue(ev.path("choices").get(0).path("delta").has("content"));
    }
  }

  @Test
  void textCompletionStreamedAndNotEqualsGenerator() {
    for (String prompt : List.of("The quick brown fox", "")) {
      ObjectNode body = completion(prompt);
      body.put("temperature", 0);
      body.put("max_tokens", 20);
      Reply r = post(server, "/v1/completions", body);
      assertEquals(200, r.status(), r.body());
      JsonNode j = r.json();
      assertEquals("text_completion", j.path("object").asText());
      assertTrue(j.path("id").asText().startsWith("cmpl-"));
      Expected e = generator(Kind.TEXT, prompt, 20, Sampler.greedy(), 0);
      assertEquals(e.text(), j.path("choices").get(0).path("text").asText(), "prompt '" + prompt + "'");
      assertEquals(e.finishReason(), j.path("choices").get(0).path("finish_reason").asText());
      assertEquals(e.promptTokens(), j.path("usage").path("prompt_tokens").asInt());
      assertEquals(e.completionTokens(), j.path("usage").path("completion_tokens").asInt());

      Stream s = stream(server, "/v1/completions", body);
      assertTrue(s.done());
      s.events().forEach(ev -> assertEquals("text_completion", ev.path("object").asText()));
      assertEquals(e.text(), s.text(0));
      assertEquals(e.finishReason(), s.finishReason(0));
    }
  }

  @Test
  void seededSamplingIsReproducibleAndIsGeneratorsSample() {
    Sampler sampler = new Sampler(0.9, 0, 0.95);
    ObjectNode body = chat("Why did the chicken cross the road?");
    body.put("temperature", 0.9);
    body.put("top_p", 0.95);
    body.put("max_tokens", 40);
    body.put("seed", 1234);
    String first = content(post(server, "/v1/chat/completions", body), 0);
    String again = content(post(server, "/v1/chat/completions", body), 0);
    assertEquals(first, again, "same seed, same text");
    assertEquals(generator(Kind.CHAT, "Why did the chicken cross the road?", 40, sampler, 1234).text(), first,
        "choice 0 of seed s draws what Generator with seed s draws");
    Set<String> texts = new HashSet<>();
    for (int seed = 1; seed <= 4; seed++) {
      body.put("seed", seed);
      texts.add(content(post(server, "/v1/chat/completions", body), 0));
    }
    assertTrue(texts.size() > 1, "other seeds give other samples: " + texts);
  }

  @Test
  void nChoicesUseOneRowEachAndTheirOwnSeeds() {
    ObjectNode body = neverStop(chat("Tell me a joke."));
    body.put("n", 2);
    body.put("temperature", 1.0);
    body.put("max_tokens", 12);
    body.put("seed", 77);
    Reply r = post(server, "/v1/chat/completions", body);
    assertEquals(200, r.status(), r.body());
    JsonNode choices = r.json().path("choices");
    assertEquals(2, choices.size());
    assertEquals(0, choices.get(0).path("index").asInt());
    assertEquals(1, choices.get(1).path("index").asInt());
    assertEquals(24, r.json().path("usage").path("completion_tokens").asInt(), "usage sums the choices");
    assertNotEquals(content(r, 0), content(r, 1), "each choice samples its own stream");
    body.put("n", 1);
    assertEquals(content(r, 0), content(post(server, "/v1/chat/completions", body), 0), "choice 0 is seed 77's");
    body.put("n", 2);
    Stream s = stream(server, "/v1/chat/completions", body);
    assertEquals(content(r, 0), s.text(0));
    assertEquals(content(r, 1), s.text(1));
    assertEquals("length", s.finishReason(0));
    assertEquals("length", s.finishReason(1));
  }

  @Test
  void stopStringsCutTheTextBeforeThem() {
    ObjectNode body = neverStop(completion("The quick brown fox"));
    body.put("temperature", 0);
    body.put("max_tokens", 40);
    String full = content(post(server, "/v1/completions", body), 0);
    assertTrue(full.length() >= 6, "a long enough continuation: '" + full + "'");
    String stop = full.substring(3, 5);
    body.put("stop", stop);
    Reply r = post(server, "/v1/completions", body);
    assertEquals(full.substring(0, full.indexOf(stop)), content(r, 0));
    assertEquals("stop", r.json().path("choices").get(0).path("finish_reason").asText());
    Stream s = stream(server, "/v1/completions", body);
    assertEquals(full.substring(0, full.indexOf(stop)), s.text(0), "streamed: held back, never sent past the stop");
    assertEquals("stop", s.finishReason(0));
  }

  @Test
  void generationIsCappedAtTheContextWithFinishReasonLength() {
    String question = "What is the capital of France? ".repeat(6);
    int prompt = reference.template().prompt(List.of(Message.user(question))).length;
    assertTrue(prompt < ServeFixtures.BLOCK, "fits: " + prompt);
    ObjectNode body = neverStop(chat(question));
    body.put("max_tokens", ServeFixtures.BLOCK); // more than the room left
    Reply r = post(server, "/v1/chat/completions", body);
    assertEquals(200, r.status(), r.body());
    assertEquals("length", r.json().path("choices").get(0).path("finish_reason").asText());
    assertEquals(ServeFixtures.BLOCK + 1 - prompt, r.json().path("usage").path("completion_tokens").asInt(),
        "every token is predicted from at most block-size tokens");
  }

  @Test
  void continuousBatchingGivesEveryRequestWhatItGetsAlone() throws Exception {
    List<String> prompts = List.of("What is the capital of France?", "Tell me a joke.", "Bonjour.",
        "The quick brown fox jumps", "You are a helpful assistant.", "Why did the chicken", "Paris", "hello");
    List<Expected> alone = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      alone.add(generator(Kind.CHAT, prompts.get(i), 20 + 4 * i, Sampler.greedy(), 0));
    }
    assertTrue(alone.stream().filter(e -> e.completionTokens() >= 10).count() >= prompts.size() / 2,
        "not a trivial comparison: most answers are long ones: " + alone);
    ExecutorService clients = Executors.newFixedThreadPool(prompts.size());
    try (ApiServer fresh = ServeFixtures.start(ServeSettings.defaults().withMaxBatch(8))) { // its own figures
      List<Future<Reply>> replies = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) {
        ObjectNode body = chat(prompts.get(i));
        body.put("temperature", 0);
        body.put("max_tokens", 20 + 4 * i); // different lengths: rows leave the batch at different steps
        replies.add(clients.submit(() -> post(fresh, "/v1/chat/completions", body)));
      }
      for (int i = 0; i < prompts.size(); i++) {
        Reply r = replies.get(i).get();
        assertEquals(200, r.status(), r.body());
        assertEquals(alone.get(i).text(), content(r, 0), "request " + i + " batched = alone");
        assertEquals(alone.get(i).finishReason(), r.json().path("choices").get(0).path("finish_reason").asText());
      }
      JsonNode h = health(fresh);
      assertTrue(h.path("max_rows_per_step").asInt() >= 2, "concurrent requests shared decoder steps: " + h);
    } finally {
      clients.shutdownNow();
    }
  }

  @Test
  void thirtyTwoConcurrentStreamsAllCompleteWithTheirLengths() throws Exception {
    try (ApiServer wide = ServeFixtures.start(ServeSettings.defaults().withMaxBatch(32))) {
      int clients = 32;
      List<CompletableFuture<Stream>> streams = new ArrayList<>();
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      try {
        for (int i = 0; i < clients; i++) {
          ObjectNode body = neverStop(chat("Question number " + i));
          body.put("max_tokens", 10 + i % 5);
          body.put("temperature", 0.8);
          body.put("seed", i);
          body.putObject("stream_options").put("include_usage", true);
          streams.add(CompletableFuture.supplyAsync(() -> stream(wide, "/v1/chat/completions", body), pool));
        }
        for (int i = 0; i < clients; i++) {
          Stream s = streams.get(i).get();
          assertEquals(200, s.status());
          assertTrue(s.done(), "stream " + i + " ended with [DONE]");
          assertEquals("length", s.finishReason(0));
          JsonNode usage = s.events().get(s.events().size() - 1).path("usage");
          assertEquals(10 + i % 5, usage.path("completion_tokens").asInt(), "stream " + i);
          s.events().forEach(e -> assertFalse(e.has("error"), e.toString()));
        }
      } finally {
        pool.shutdownNow();
      }
      JsonNode h = health(wide);
      assertEquals(0, h.path("slots_in_use").asInt(), h.toString());
      assertEquals(0, h.path("failed_generations").asInt(), h.toString());
      // how many rows shared a step depends on when the requests arrive (a loaded machine can serve them one by one);
      // that batching happens and changes no answer is continuousBatchingGivesEveryRequestWhatItGetsAlone's subject
    }
  }

  @Test
  void aClientThatDisconnectsMidStreamFreesItsRow() throws Exception {
    ServedModel model = ServeFixtures.model();
    ServeFixtures.TestDecoder slow = new ServeFixtures.TestDecoder(model, 1, 25);
    try (ApiServer one = ServeFixtures.start(model, slow, ServeSettings.defaults().withMaxBatch(1))) {
      ObjectNode body = neverStop(chat("hello"));
      body.put("stream", true); // the budget is the whole block: ~3 s at 25 ms a token
      byte[] json = body.toString().getBytes(StandardCharsets.UTF_8);
      try (Socket socket = new Socket("127.0.0.1", one.port())) {
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: " + json.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(json);
        out.flush();
        InputStream in = socket.getInputStream();
        String received = "";
        byte[] buffer = new byte[4096];
        while (count(received, "data: ") < 4) { // the role chunk and three content chunks
          int n = in.read(buffer);
          assertTrue(n > 0, "the stream ended early: " + received);
          received += new String(buffer, 0, n, StandardCharsets.UTF_8);
        }
        assertTrue(received.startsWith("HTTP/1.1 200"), received);
        assertEquals(1, health(one).path("slots_in_use").asInt());
      } // the client leaves
      assertTrue(eventually(() -> health(one).path("slots_in_use").asInt() == 0), "the row is freed");
      JsonNode h = health(one);
      assertEquals(1, h.path("cancelled_sequences").asInt(), h.toString());
      assertTrue(h.path("tokens_generated").asInt() < ServeFixtures.BLOCK / 2,
          "it was cancelled long before its budget ran out: " + h);
      ObjectNode next = chat("next");
      next.put("max_tokens", 3);
      Reply r = post(one, "/v1/chat/completions", next);
      assertEquals(200, r.status(), "the one row serves the next request: " + r.body());
    }
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int at = s.indexOf(what); at >= 0; at = s.indexOf(what, at + 1)) {
      n++;
    }
    return n;
  }

  @Test
  void aFullQueueAnswers429() throws Exception {
    ServedModel model = ServeFixtures.model();
    ServeFixtures.TestDecoder slow = new ServeFixtures.TestDecoder(model, 1, 20);
    try (ApiServer one = ServeFixtures.start(model, slow, ServeSettings.defaults().withMaxBatch(1)
        .withMaxQueue(1))) {
      ObjectNode longOne = neverStop(chat("long"));
      longOne.put("max_tokens", 60);
      CompletableFuture<Reply> running = CompletableFuture.supplyAsync(() -> post(one, "/v1/chat/completions",
          longOne));
      assertTrue(eventually(() -> health(one).path("slots_in_use").asInt() == 1));
      ObjectNode waiting = chat("waits");
      waiting.put("max_tokens", 2);
      CompletableFuture<Reply> queued = CompletableFuture.supplyAsync(() -> post(one, "/v1/chat/completions",
          waiting));
      assertTrue(eventually(() -> health(one).path("queued").asInt() == 1));
      Reply refused = post(one, "/v1/chat/completions", waiting);
      assertEquals(429, refused.status(), refused.body());
      ServeErrorsTest.assertErrorShape(refused, "rate_limit_error", "queue_full");
      assertEquals(200, running.get().status());
      assertEquals(200, queued.get().status(), "the queued request is served after the first");
    }
  }

  @Test
  void aFailureInDecodingIs500ForThatRequestAndTheServerGoesOn() throws Exception {
    ServedModel model = ServeFixtures.model();
    ServeFixtures.TestDecoder flaky = new ServeFixtures.TestDecoder(model, 4, 0);
    try (ApiServer s = ServeFixtures.start(model, flaky, ServeSettings.defaults().withMaxBatch(4))) {
      ObjectNode body = chat("hello");
      body.put("max_tokens", 5);
      flaky.failNextPrefill.set(true);
      Reply failed = post(s, "/v1/chat/completions", body);
      assertEquals(500, failed.status(), failed.body());
      ServeErrorsTest.assertErrorShape(failed, "server_error", "internal_error");
      assertTrue(failed.json().path("error").path("message").asText().contains("injected prefill failure"));

      flaky.failNextStep.set(true);
      Stream broken = stream(s, "/v1/chat/completions", neverStop(body));
      assertEquals(200, broken.status(), "the stream had started");
      assertFalse(broken.done(), "no [DONE] after a failure");
      JsonNode last = broken.events().get(broken.events().size() - 1);
      assertEquals("server_error", last.path("error").path("type").asText(), last.toString());

      assertEquals(0, health(s).path("slots_in_use").asInt(), "the failed requests' rows are free");
      body.remove("stream");
      assertEquals(200, post(s, "/v1/chat/completions", body).status(), "and the server keeps serving");
    }
  }

  @Test
  void modelsHealthAndThePage() {
    Reply models = get(server, "/v1/models");
    assertEquals(200, models.status());
    assertEquals("list", models.json().path("object").asText());
    JsonNode m = models.json().path("data").get(0);
    assertEquals(ServeFixtures.NAME, m.path("id").asText());
    assertEquals("model", m.path("object").asText());
    assertEquals(ServeFixtures.NAME, get(server, "/v1/models/" + ServeFixtures.NAME).json().path("id").asText());
    JsonNode h = health(server);
    assertEquals("ok", h.path("status").asText());
    assertEquals(8, h.path("max_batch").asInt());

    Reply page = get(server, "/");
    assertEquals(200, page.status());
    assertEquals("text/html; charset=utf-8", page.response().headers().firstValue("Content-Type").orElse(""));
    assertTrue(page.body().startsWith("<!DOCTYPE html>"), page.body());
    assertTrue(page.body().contains("\"v1/chat/completions\"") && page.body().contains("\"v1/models\""),
        "the page calls the chat API and reads the model's name");
    assertTrue(page.body().contains("getReader()") && page.body().contains("stream: true"), "it streams");
    assertTrue(page.body().contains("id=\"temperature\"") && page.body().contains("id=\"max-tokens\""));
  }

  @Test
  void closeLetsInFlightRequestsFinishAndRefusesNewOnes() throws Exception {
    ServedModel model = ServeFixtures.model();
    ServeFixtures.TestDecoder slow = new ServeFixtures.TestDecoder(model, 2, 15);
    ApiServer s = ServeFixtures.start(model, slow, ServeSettings.defaults().withMaxBatch(2));
    ObjectNode body = neverStop(chat("finish me"));
    body.put("max_tokens", 40);
    CompletableFuture<Stream> inFlight = CompletableFuture.supplyAsync(() -> stream(s, "/v1/chat/completions", body));
    assertTrue(eventually(() -> health(s).path("slots_in_use").asInt() == 1));
    CompletableFuture<Void> closing = CompletableFuture.runAsync(s::close);
    assertTrue(eventually(() -> {
      Reply r = get(s, "/health");
      return r.status() == 503;
    }), "while draining, new requests are refused");
    Stream done = inFlight.get();
    assertTrue(done.done(), "the in-flight stream finished");
    assertEquals("length", done.finishReason(0));
    closing.get();
  }

  @Test
  void closeFailsWhatOutlivesTheShutdownTimeout() throws Exception {
    ServedModel model = ServeFixtures.model();
    ServeFixtures.TestDecoder slow = new ServeFixtures.TestDecoder(model, 1, 50);
    ApiServer s = ServeFixtures.start(model, slow, ServeSettings.defaults().withMaxBatch(1)
        .withShutdownTimeout(java.time.Duration.ofMillis(200)));
    ObjectNode body = neverStop(chat("too long"));
    CompletableFuture<Stream> inFlight = CompletableFuture.supplyAsync(() -> stream(s, "/v1/chat/completions", body));
    assertTrue(eventually(() -> health(s).path("slots_in_use").asInt() == 1));
    s.close();
    Stream cut = inFlight.get();
    assertFalse(cut.done());
    JsonNode last = cut.events().get(cut.events().size() - 1);
    assertEquals("shutting_down", last.path("error").path("code").asText(), last.toString());
  }

  @Test
  void parsedRequestsKeepTheirDefaults() {
    RequestParser p = new RequestParser(new RequestParser.Limits("m", 4, 100, 50));
    CompletionRequest r = p.parse(Kind.CHAT, "{\"messages\": [{\"role\": \"developer\", \"content\": \"be brief\"}, {\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"hi\"}]}], \"stop\": \"x\", \"user\": \"ignored\", \"presence_penalty\": 0}"
        .getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of(Message.system("be brief"), Message.user("hi")), r.messages());
    assertEquals(1.0, r.temperature());
    assertEquals(1.0, r.topP());
    assertEquals(1, r.n());
    assertNull(r.maxTokens());
    assertNull(r.seed());
    assertEquals(List.of("x"), r.stop());
    assertFalse(r.stream());
    assertEquals(Map.of(), r.logitBias());
  }
}
