package io.llmforge.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.trainer.serve.ApiServer;
import io.llmforge.trainer.serve.ServeSettings;
import io.llmforge.trainer.serve.ServedModel;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The demo's last step: the final chat model (dpo's output when the flow ran dpo, else sft's) behind
 * {@code llmforge serve}'s server on a free port, asked one question over HTTP as any OpenAI client would ask it,
 * then shut down. Kept out of DemoCommand (one call there) so the demo's own flow stays readable.
 */
final class DemoServe {
  static final String FILE = "serve.txt";
  static final String QUESTION = "Say hello to Grace.";
  private static final ObjectMapper JSON = new ObjectMapper();

  private DemoServe() {}

  static void run(ConfigReader config, List<String> steps, Path dir) throws IOException {
    String step = steps.contains("dpo") ? "dpo" : steps.contains("sft") ? "sft" : null;
    if (step == null) {
      return;
    }
    Path checkpoint = Path.of(config.requiredString(step + ".output"));
    ServedModel model = ServedModel.load(checkpoint, "llmforge-demo-" + step, System.err);
    try (ApiServer server = ApiServer.start(model, ServeSettings.defaults().withMaxBatch(2), System.err)) {
      ObjectNode body = JSON.createObjectNode();
      body.put("model", model.name());
      body.putArray("messages").addObject().put("role", "user").put("content", QUESTION);
      body.put("temperature", 0);
      body.put("max_tokens", 48);
      HttpRequest request = HttpRequest.newBuilder(server.url().resolve("v1/chat/completions"))
          .timeout(Duration.ofMinutes(2)).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
      HttpResponse<String> response;
      try {
        response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while asking the served model", e);
      }
      JsonNode reply = JSON.readTree(response.body());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("the demo's server answered " + response.statusCode() + ": " + reply);
      }
      String answer = reply.path("choices").path(0).path("message").path("content").asText();
      String transcript = "POST " + server.url() + "v1/chat/completions (model " + model.name() + ")\nuser: "
          + QUESTION + "\nassistant: " + answer + "\nfinish_reason: "
          + reply.path("choices").path(0).path("finish_reason").asText() + ", usage: " + reply.path("usage") + "\n";
      Files.writeString(dir.resolve(FILE), transcript);
      System.out.println("\ndemo: the " + step + " model served over the OpenAI HTTP API (llmforge serve), also in "
          + dir.resolve(FILE) + ":\n  " + transcript.strip().replace("\n", "\n  "));
    }
  }
}
