package io.llmforge.pipeline.rephrase;

import java.util.List;
import java.util.Map;

/**
 * Something that rewrites texts: an OpenAI-compatible HTTP endpoint ({@link OpenAiChatBackend}), or an llmforge
 * checkpoint run in-process on the executor ({@link BackendSettings.Kind#CHECKPOINT}, made by the trainer's
 * generation code, which the job is handed as a {@link RephraseBackends.Factory}). One instance per Spark task; it
 * owns its threads, connections or model until closed. A request is a system and a user message and the answer is
 * the reply's text, so the AI judge asks its questions through the same backends.
 */
public interface RephraseBackend extends AutoCloseable {
  /** Every counter a backend may report (the job registers one Spark accumulator each, up front). */
  List<String> COUNTERS = List.of("http_requests", "retries", "ok", "failed_http_status", "failed_network",
      "failed_truncated", "failed_bad_response", "failed_too_long");

  /**
   * One rewrite to make.
   *
   * @param key    the cache key (identifies model, prompts and text)
   * @param system the system prompt
   * @param user   the user prompt, the document already inside it
   */
  record Request(String key, String system, String user) {}

  /**
   * Rewrites a batch, as concurrently as the backend allows. The result has one entry per request, in order:
   * the rewritten text, or null where the request failed for good (after retries); never throws for a failed
   * request, so one bad document cannot fail the job.
   */
  List<String> rephrase(List<Request> requests);

  /** Counters since creation (requests sent, retries, failures by reason), for the job's stats. */
  default Map<String, Long> counters() {
    return Map.of();
  }

  @Override
  default void close() {}
}
