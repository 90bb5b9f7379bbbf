package io.llmforge.pipeline.rephrase;

import java.io.Serializable;

/** Makes the backend a task talks to. */
public final class RephraseBackends {
  private RephraseBackends() {}

  /**
   * Makes a task's backend on the executor; shipped with the job. The trainer's factory adds
   * {@link BackendSettings.Kind#CHECKPOINT} (this module cannot depend on the model code).
   */
  public interface Factory extends Serializable {
    RephraseBackend create(BackendSettings settings);
  }

  /** The backends of this module: an OpenAI-compatible endpoint. */
  public static RephraseBackend create(BackendSettings settings) {
    return switch (settings.kind()) {
      case OPENAI -> new OpenAiChatBackend(settings);
      case CHECKPOINT -> throw new UnsupportedOperationException("rephrase.backend = checkpoint needs the trainer's "
          + "generation code: run the job through llmforge (bin/llmforge rephrase or io.llmforge.jobs.RephraseMain)");
    };
  }
}
