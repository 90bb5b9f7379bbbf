package io.llmforge.pipeline.rephrase;

/** Makes the backend a task talks to; the one switch to extend when another kind of backend arrives. */
public final class RephraseBackends {
  private RephraseBackends() {}

  public static RephraseBackend create(BackendSettings settings) {
    return switch (settings.kind()) {
      case OPENAI -> new OpenAiChatBackend(settings);
      case CHECKPOINT -> throw new UnsupportedOperationException(
          "the in-process checkpoint backend is not available yet; use backend = openai");
    };
  }
}
