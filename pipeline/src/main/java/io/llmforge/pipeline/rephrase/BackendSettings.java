package io.llmforge.pipeline.rephrase;

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

  public BackendSettings withRequestsPerSecond(double perTask) {
    return new BackendSettings(kind, endpoint, model, apiKey, temperature, maxTokens, timeout, concurrency, perTask,
        maxRetries, initialBackoff, maxBackoff, checkpoint);
  }
}
