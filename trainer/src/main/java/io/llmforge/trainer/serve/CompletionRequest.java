package io.llmforge.trainer.serve;

import io.llmforge.trainer.generate.Sampler;
import io.llmforge.trainer.sft.Message;
import java.util.List;
import java.util.Map;

/**
 * One validated request of {@code /v1/chat/completions} ({@link Kind#CHAT}: {@code messages}) or
 * {@code /v1/completions} ({@link Kind#TEXT}: {@code prompt}), as {@link RequestParser} reads it.
 *
 * @param maxTokens         the client's {@code max_tokens} / {@code max_completion_tokens}; null: until a stop or the
 *                          context (or the server's limit) is reached
 * @param topK              llmforge's (and vLLM's) extension; 0 keeps all tokens
 * @param repetitionPenalty extension as Hugging Face's; 1 is off
 * @param logitBias         OpenAI's {@code logit_bias}: token id to a value in [-100, 100]
 * @param seed              null: the server draws one
 * @param stop              up to four strings that end a choice (not included in its text)
 * @param includeUsage      {@code stream_options.include_usage}: a last chunk with the usage
 */
public record CompletionRequest(Kind kind, List<Message> messages, String prompt, Integer maxTokens,
    double temperature, double topP, int topK, double repetitionPenalty, Map<Integer, Double> logitBias, int n,
    Long seed, List<String> stop, boolean stream, boolean includeUsage) {

  public enum Kind { CHAT, TEXT }

  public CompletionRequest {
    messages = messages == null ? null : List.copyOf(messages);
    logitBias = Map.copyOf(logitBias);
    stop = List.copyOf(stop);
  }

  public Sampler sampler() {
    return new Sampler(temperature, topK, topP, repetitionPenalty, logitBias);
  }
}
