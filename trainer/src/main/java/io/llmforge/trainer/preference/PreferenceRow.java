package io.llmforge.trainer.preference;

import io.llmforge.trainer.sft.Message;
import java.time.Instant;
import java.util.List;

/**
 * One parsed row of preference data (DESIGN.md "preferences"): either a {@link Pair} (which of two answers to the
 * same prompt is better: reward model, DPO) or an {@link Unpaired} answer with a thumbs up or down (KTO).
 */
public sealed interface PreferenceRow {

  /** The conversation before the answer: optional system message, then user/assistant turns ending with the user. */
  List<Message> prompt();

  /** When the judgement was made; null when the row does not say (the loader then uses its file's time). */
  Instant createdAt();

  /** Where the judgement comes from (a dataset, an annotator pool, the AI judge); may be empty. */
  String source();

  /**
   * A preference pair.
   *
   * @param margin how much better {@code chosen} is, when the data says (Llama 2's rating margin); 0 otherwise
   */
  record Pair(List<Message> prompt, String chosen, String rejected, String source, Instant createdAt, double margin)
      implements PreferenceRow {
    public Pair {
      prompt = List.copyOf(prompt);
    }
  }

  /** An unpaired answer: {@code desirable} is KTO's boolean label. */
  record Unpaired(List<Message> prompt, String answer, boolean desirable, String source, Instant createdAt)
      implements PreferenceRow {
    public Unpaired {
      prompt = List.copyOf(prompt);
    }
  }
}
