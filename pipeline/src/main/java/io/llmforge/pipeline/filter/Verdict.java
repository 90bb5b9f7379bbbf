package io.llmforge.pipeline.filter;

import java.io.Serializable;
import java.util.Map;

/**
 * What a {@link DocumentFilter} says about one document: the signals it measured (always, so they land in
 * {@code quality_signals} even for kept documents) and, when the document must go, a short reason.
 *
 * @param signals     measured values, keyed {@code <filter>_<signal>} (e.g. {@code gopher_mean_word_length})
 * @param rejectReason null to keep; otherwise a human-readable reason naming the rule and the value
 */
public record Verdict(Map<String, Double> signals, String rejectReason) implements Serializable {

  public Verdict {
    signals = signals == null ? Map.of() : Map.copyOf(signals);
  }

  public static Verdict keep(Map<String, Double> signals) {
    return new Verdict(signals, null);
  }

  public static Verdict reject(Map<String, Double> signals, String reason) {
    return new Verdict(signals, reason);
  }

  public boolean kept() {
    return rejectReason == null;
  }
}
