package io.llmforge.trainer.serve;

/** What the decoding thread tells the HTTP thread that waits on a {@link Generation}, in order. */
sealed interface GenerationEvent {
  /** More text of choice {@code choice}. */
  record Text(int choice, String text) implements GenerationEvent {}

  /** Choice {@code choice} ended: {@code reason} is OpenAI's finish_reason ("stop" or "length"). */
  record Finished(int choice, String reason, int tokens) implements GenerationEvent {}

  /** Every choice has ended; the last event of a generation that did not fail. */
  record Done(int promptTokens, int completionTokens) implements GenerationEvent {}

  /** The generation failed (its rows are already free); the last event. */
  record Failed(ApiError error) implements GenerationEvent {}
}
