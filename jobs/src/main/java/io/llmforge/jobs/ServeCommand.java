package io.llmforge.jobs;

import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.serve.ApiServer;
import io.llmforge.trainer.serve.ServeSettings;
import io.llmforge.trainer.serve.ServedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code llmforge serve}: the OpenAI-compatible HTTP API on a checkpoint, until SIGTERM / Ctrl-C, which drains the
 * requests in flight (up to {@code --shutdown-timeout}) before the JVM exits. The server itself is
 * {@link ApiServer}; this only reads the options and owns the process's lifetime.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serve a checkpoint over the OpenAI HTTP API (/v1/chat/completions, /v1/completions, /v1/models), "
        + "with continuous batching and a chat page at /.")
final class ServeCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--checkpoint", required = true, paramLabel = "DIR",
      description = "A run folder (its newest good checkpoint) or one step-N folder; LoRA adapters are merged on load.")
  Path checkpoint;

  @Option(names = "--model-name", paramLabel = "NAME",
      description = "The model id clients use (default: the checkpoint folder's name).")
  String modelName;

  @Option(names = "--host", defaultValue = ServeSettings.LOCALHOST,
      description = "Address to bind (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for every interface).")
  String host;

  @Option(names = "--port", defaultValue = "8000", description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--max-batch", defaultValue = "8",
      description = "Sequences decoded together in one step (continuous batching); n > 1 takes n (default: "
          + "${DEFAULT-VALUE}).")
  int maxBatch;

  @Option(names = "--no-batching", description = "Serve one sequence at a time (--max-batch 1), for comparison.")
  boolean noBatching;

  @Option(names = "--max-queue", defaultValue = "64",
      description = "Requests that may wait for a free row; more get 429 (default: ${DEFAULT-VALUE}).")
  int maxQueue;

  @Option(names = "--max-tokens", defaultValue = "0",
      description = "Largest max_tokens a request may ask for, and the budget when it gives none (default: the "
          + "model's block size).")
  int maxTokens;

  @Option(names = "--api-key-env", paramLabel = "NAME",
      description = "Require 'Authorization: Bearer <key>' on /v1, the key read from this environment variable.")
  String apiKeyEnv;

  @Option(names = "--shutdown-timeout", defaultValue = "30",
      description = "Seconds in-flight requests get to finish on shutdown (default: ${DEFAULT-VALUE}).")
  int shutdownSeconds;

  @Override
  public Integer call() throws Exception {
    ApiServer server = start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("serve: shutting down: finishing the requests in flight (at most " + shutdownSeconds
          + " s)");
      server.close();
      System.out.println("serve: stopped");
    }, "llmforge-serve-shutdown"));
    ServedModel model = server.model();
    GptConfig c = model.engine().config();
    System.out.printf("serve: %s (%d layers x %d heads x %d, block %d, vocabulary %d, %,d parameters) at %s%n",
        model.name(), c.nLayer(), c.nHead(), c.nEmbd(), c.blockSize(), c.vocabSize(),
        model.engine().parameters().count(), server.url());
    System.out.printf("serve: OpenAI base URL %sv1, chat page %s; up to %d sequences per step%s, %d may wait; %s%n",
        server.url(), server.url(), noBatching ? 1 : maxBatch, noBatching ? " (--no-batching)" : "", maxQueue,
        apiKeyEnv == null ? "no API key" : "API key from $" + apiKeyEnv);
    System.out.println("serve: Ctrl-C or SIGTERM finishes the requests in flight and stops");
    System.out.flush();
    server.awaitClosed();
    return 0;
  }

  /** Loads the model and starts listening (the test starts the command this way, without blocking). */
  ApiServer start() throws IOException {
    ServeSettings settings;
    try {
      settings = new ServeSettings(host, port, noBatching ? 1 : maxBatch, maxQueue, maxTokens, apiKey(),
          Duration.ofSeconds(shutdownSeconds));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    return ApiServer.start(ServedModel.load(checkpoint, modelName, System.err), settings, System.err);
  }

  private String apiKey() {
    if (apiKeyEnv == null) {
      return null;
    }
    String key = System.getenv(apiKeyEnv);
    if (key == null || key.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "--api-key-env " + apiKeyEnv + ": the environment variable "
          + "is not set or empty");
    }
    return key;
  }
}
