package io.llmforge.pipeline.lang;

import io.llmforge.pipeline.document.Document;
import io.llmforge.pipeline.filter.DocumentFilter;
import io.llmforge.pipeline.filter.Verdict;
import java.util.Map;
import java.util.Set;

/**
 * Keeps documents in the wanted languages whose detection score is high enough. FineWeb keeps English at a
 * fastText score of 0.65; the same threshold is our default for the optimaize detector's probability.
 * The document must already carry its language (the clean job sets it before filtering).
 *
 * @param allowed  ISO 639-1 codes to keep; empty keeps every language
 * @param minScore minimum detector probability
 */
public record LanguageFilter(Set<String> allowed, double minScore) implements DocumentFilter {

  public LanguageFilter {
    allowed = Set.copyOf(allowed);
    if (minScore < 0 || minScore > 1) {
      throw new IllegalArgumentException("minScore must be in [0, 1]: " + minScore);
    }
  }

  @Override
  public String name() {
    return "language";
  }

  @Override
  public Verdict apply(Document doc) {
    Map<String, Double> signals = Map.of("language_score", (double) doc.languageScore());
    if (!allowed.isEmpty() && !allowed.contains(doc.language())) {
      return Verdict.reject(signals, "language " + doc.language() + " not in " + allowed);
    }
    if (doc.languageScore() < minScore) {
      return Verdict.reject(signals,
          String.format("language_score %.3f < %.2f for %s", doc.languageScore(), minScore, doc.language()));
    }
    return Verdict.keep(signals);
  }
}
