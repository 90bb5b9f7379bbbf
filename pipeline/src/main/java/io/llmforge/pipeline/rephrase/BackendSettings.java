package io.llmforge.pipeline.rephrase;

import io.llmforge.pipeline.config.ConfigReader;
import java.io.Serializable;
import java.time.Duration;

/**
 * How executors reach the model: the {@code rephrase.openai} settings plus the retry and rate policy. Shipped to
 * every task inside the job's closure; {@link Secret} keeps the API key out of {@code toString}.
 *
 * @param concurrency       requests in flight at once per task
 * @param requestsPerSecond per task (the job divides its total by the number of tasks); 0: unlimited
 */
public record BackendSettings(
    Kind kind,
    String endpoint,
    String model,
    Secret apiKey,
    double temperature,
    int maxTokens,
    Duration timeout,
    int concurrency,
    double requestsPerSecond,
    int maxRetries,
    Duration initialBackoff,
    Duration maxBackoff,
    String checkpoint) implements Serializable {

  /** Where rewrites come from. */
  public enum Kind {
    /** POST {endpoint}/chat/completions: OpenAI, vLLM, llama.cpp server, Ollama, TGI... */
    OPENAI,
    /** An llmforge checkpoint ({@code checkpoint}) loaded by each task, generating through the chat template. */
    CHECKPOINT
  }

  /**
   * An OpenAI-compatible endpoint as a job's section configures it: {@code openai.*} (endpoint, model, api-key-env,
   * temperature, max-tokens, timeout-seconds) and, in the section itself, concurrency, max-retries,
   * initial-backoff-ms and max-backoff-ms. Shared by the rephrase job and the AI judge, so both talk to an endpoint
   * with the same retries, backoff and key handling. The key is read from the environment variable named by
   * {@code openai.api-key-env} and kept in a {@link Secret}.
   *
   * @param section           the job's section ({@code rephrase}, {@code judge})
   * @param modelRequiredWhen why {@code openai.model} must be set (it ends the error message), or null when it may be
   *                          empty (the job sends nothing)
   */
  public static BackendSettings openAi(ConfigReader section, String modelRequiredWhen) {
    ConfigReader o = section.at("openai");
    String model = o.string("model");
    if (modelRequiredWhen != null && model.isBlank()) {
      throw o.error("model", "is required " + modelRequiredWhen + " (the model name the endpoint serves)");
    }
    String keyEnv = o.string("api-key-env");
    Secret key = new Secret(keyEnv.isEmpty() ? "" : System.getenv(keyEnv));
    String endpoint = o.requiredString("endpoint");
    if (!endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
      throw o.error("endpoint", "must be an http:// or https:// URL, e.g. http://127.0.0.1:8000/v1");
    }
    return new BackendSettings(Kind.OPENAI, endpoint, model, key,
        o.doubleIn("temperature", 0.0, 2.0), o.intIn("max-tokens", 1, 1_000_000),
        Duration.ofSeconds(o.intIn("timeout-seconds", 1, 3600)),
        section.intIn("concurrency", 1, 1024), 0,
        section.intIn("max-retries", 0, 100),
        Duration.ofMillis(section.longIn("initial-backoff-ms", 0, 3_600_000)),
        Duration.ofMillis(section.longIn("max-backoff-ms", 0, 3_600_000)), "");
  }

  public BackendSettings withRequestsPerSecond(double perTask) {
    return new BackendSettings(kind, endpoint, model, apiKey, temperature, maxTokens, timeout, concurrency, perTask,
        maxRetries, initialBackoff, maxBackoff, checkpoint);
  }
}
