package io.llmforge.trainer.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.KvCacheDecoder;
import io.llmforge.trainer.sft.TestTokenizers;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A tiny served model (the test tokenizer, 2 layers x 2 heads x 64, block 128; weights moved off their
 * initialisation so greedy answers vary with the prompt), servers on port 0, and a JDK HttpClient speaking JSON and
 * server-sent events to them.
 */
final class ServeFixtures {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String NAME = "tiny";
  static final int BLOCK = 128;
  static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private ServeFixtures() {}

  static GptConfig config() {
    return new GptConfig(TestTokenizers.tiny().vocabSize(), BLOCK, 2, 2, 64, 0, 11);
  }

  /** A fresh engine; every call gives the same weights (seeded init and perturbation). */
  static GptEngine engine() {
    GptEngine engine = new GptEngine(config());
    Random r = new Random(5);
    for (String name : engine.parameters().names()) {
      INDArray v = engine.parameters().value(name);
      float[] noise = new float[(int) v.length()];
      for (int i = 0; i < noise.length; i++) {
        noise[i] = (float) (r.nextGaussian() * 0.15);
      }
      v.addi(Nd4j.create(noise, v.shape()));
    }
    return engine;
  }

  static ServedModel model() {
    return new ServedModel(NAME, engine(), TestTokenizers.tiny());
  }

  static ApiServer start(ServeSettings settings) throws IOException {
    return ApiServer.start(model(), settings, quietLog());
  }

  static ApiServer start(ServedModel model, BatchDecoder decoder, ServeSettings settings) throws IOException {
    return ApiServer.start(model, decoder, settings, quietLog());
  }

  static PrintStream quietLog() {
    return new PrintStream(System.err, true, StandardCharsets.UTF_8);
  }

  /** A decoder over the real one whose steps take {@code stepMillis} longer, and that fails on request. */
  static final class TestDecoder implements BatchDecoder {
    final BatchDecoder real;
    final long stepMillis;
    final AtomicBoolean failNextPrefill = new AtomicBoolean();
    final AtomicBoolean failNextStep = new AtomicBoolean();

    TestDecoder(ServedModel model, int rows, long stepMillis) {
      this.real = BatchDecoder.of(new KvCacheDecoder(model.engine(), rows));
      this.stepMillis = stepMillis;
    }

    @Override
    public int maxBatch() {
      return real.maxBatch();
    }

    @Override
    public int blockSize() {
      return real.blockSize();
    }

    @Override
    public double[] prefill(int row, int[] ids) {
      if (failNextPrefill.getAndSet(false)) {
        throw new IllegalStateException("injected prefill failure");
      }
      return real.prefill(row, ids);
    }

    @Override
    public double[][] step(int[] rows, int[] tokens) {
      if (failNextStep.getAndSet(false)) {
        throw new IllegalStateException("injected step failure");
      }
      if (stepMillis > 0) {
        try {
          Thread.sleep(stepMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return real.step(rows, tokens);
    }
  }

  // --- requests ---

  static ObjectNode chat(String... userMessages) {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", NAME);
    ArrayNode messages = body.putArray("messages");
    for (String m : userMessages) {
      messages.addObject().put("role", "user").put("content", m);
    }
    return body;
  }

  static ObjectNode completion(String prompt) {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", NAME);
    body.put("prompt", prompt);
    return body;
  }

  /** Bans the stop ids, so an answer always runs to max_tokens. */
  static ObjectNode neverStop(ObjectNode body) {
    ObjectNode bias = body.putObject("logit_bias");
    for (int id : model().template().stopIds()) {
      bias.put(String.valueOf(id), -100);
    }
    return body;
  }

  /** A status and a parsed JSON body. */
  record Reply(int status, JsonNode json, String body, HttpResponse<String> response) {}

  static Reply post(ApiServer server, String path, String body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.url().resolve(path)).timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(b.build());
  }

  static Reply post(ApiServer server, String path, JsonNode body, String... headers) {
    return post(server, path, body.toString(), headers);
  }

  static Reply get(ApiServer server, String path, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.url().resolve(path)).timeout(Duration.ofSeconds(60)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(b.build());
  }

  static Reply send(HttpRequest request) {
    try {
      HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
      JsonNode json = null;
      try {
        json = JSON.readTree(r.body());
      } catch (IOException notJson) {
        // the chat page, or an error under test
      }
      return new Reply(r.statusCode(), json, r.body(), r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A streamed response: its status, content type, the JSON of every data event, and whether [DONE] ended it. */
  record Stream(int status, String contentType, List<JsonNode> events, boolean done) {
    /** The concatenated text of one choice (chat deltas or completion text). */
    String text(int choice) {
      StringBuilder s = new StringBuilder();
      for (JsonNode e : events) {
        for (JsonNode c : e.path("choices")) {
          if (c.path("index").asInt() == choice) {
            s.append(c.has("delta") ? c.path("delta").path("content").asText("") : c.path("text").asText(""));
          }
        }
      }
      return s.toString();
    }

    String finishReason(int choice) {
      for (JsonNode e : events) {
        for (JsonNode c : e.path("choices")) {
          if (c.path("index").asInt() == choice && c.hasNonNull("finish_reason")) {
            return c.get("finish_reason").asText();
          }
        }
      }
      return null;
    }
  }

  static Stream stream(ApiServer server, String path, ObjectNode body, String... headers) {
    body.put("stream", true);
    HttpRequest.Builder b = HttpRequest.newBuilder(server.url().resolve(path)).timeout(Duration.ofSeconds(120))
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).header("Content-Type", "application/json");
    if (headers.length > 0) {
      b.headers(headers);
    }
    try {
      HttpResponse<java.util.stream.Stream<String>> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofLines());
      List<String> lines = r.body().collect(Collectors.toList());
      List<JsonNode> events = new ArrayList<>();
      boolean done = false;
      for (String line : lines) {
        if (!line.startsWith("data: ")) {
          continue;
        }
        String data = line.substring("data: ".length());
        if (data.equals("[DONE]")) {
          done = true;
        } else {
          if (done) {
            throw new AssertionError("an event after [DONE]: " + data);
          }
          events.add(JSON.readTree(data));
        }
      }
      return new Stream(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), events, done);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static JsonNode health(ApiServer server) {
    return get(server, "/health").json();
  }

  /** Polls until the condition holds (true) or 20 s pass (false). */
  static boolean eventually(BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return condition.getAsBoolean();
  }
}
