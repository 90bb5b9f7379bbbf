package io.llmforge.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmforge.trainer.serve.ApiServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code llmforge serve}'s options on a real checkpoint folder (the server itself is tested in trainer/serve). */
class ServeCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void servesTheCheckpointUnderItsFolderNameOrTheGivenName(@TempDir Path dir) throws Exception {
    Path run = TinyModels.base(dir.resolve("my-model"));
    for (String[] args : new String[][] {
        {"--checkpoint", run.toString(), "--port", "0"},
        {"--checkpoint", run.toString(), "--port", "0", "--model-name", "renamed", "--no-batching"}}) {
      ServeCommand command = new ServeCommand();
      new CommandLine(command).parseArgs(args);
      try (ApiServer server = command.start()) {
        String expected = args.length > 4 ? "renamed" : "my-model";
        HttpClient http = HttpClient.newHttpClient();
        JsonNode models = JSON.readTree(http.send(HttpRequest.newBuilder(server.url().resolve("v1/models")).build(),
            HttpResponse.BodyHandlers.ofString()).body());
        assertEquals(expected, models.path("data").get(0).path("id").asText());
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.url().resolve("v1/chat/completions"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"" + expected + "\", \"messages\": [{\"role\": "
                + "\"user\", \"content\": \"Who are you?\"}], \"max_tokens\": 5, \"temperature\": 0}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode health = JSON.readTree(http.send(HttpRequest.newBuilder(server.url().resolve("health")).build(),
            HttpResponse.BodyHandlers.ofString()).body());
        assertEquals(args.length > 4 ? 1 : 8, health.path("max_batch").asInt(), "--no-batching is one row");
        assertTrue(server.url().toString().startsWith("http://127.0.0.1:"), "local by default: " + server.url());
      }
    }
  }

  @Test
  void badOptionsAreUsageErrors(@TempDir Path dir) throws Exception {
    Path run = TinyModels.base(dir.resolve("m"));
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      assertEquals(2, Llmforge.run("serve", "--checkpoint", run.toString(), "--max-batch", "0"));
      assertEquals(2, Llmforge.run("serve", "--checkpoint", run.toString(), "--api-key-env",
          "LLMFORGE_TEST_NO_SUCH_VARIABLE"));
      assertEquals(2, Llmforge.run("serve"));
    } finally {
      System.setErr(original);
    }
    String messages = err.toString(StandardCharsets.UTF_8);
    assertTrue(messages.contains("--max-batch must be in [1, 1024]"), messages);
    assertTrue(messages.contains("LLMFORGE_TEST_NO_SUCH_VARIABLE"), messages);
    assertTrue(messages.contains("--checkpoint"), messages);
  }
}
