package io.llmforge.pipeline.document;

import java.io.Serializable;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One web document as it moves through the data stage: the row type of {@code documents/}, {@code deduped/}
 * and {@code scored/} (see DESIGN.md, "documents"). Immutable; transforms return a changed copy.
 *
 * <p>{@code qualitySignals} holds every heuristic's raw value so that thresholds can be re-tuned from the
 * Parquet output without re-extracting the crawl.
 */
public record Document(
    String docId,
    String url,
    String domain,
    Instant crawlDate,
    String source,
    String language,
    float languageScore,
    String text,
    String contentSha1,
    int numChars,
    int numWords,
    Map<String, Double> qualitySignals) implements Serializable {

  public Document {
    Objects.requireNonNull(text, "text");
    qualitySignals = qualitySignals == null ? Map.of() : Map.copyOf(qualitySignals);
  }

  /** A freshly extracted document: only provenance and text are known yet. */
  public static Document of(String url, Instant crawlDate, String source, String text) {
    return new Document(null, url, Urls.domainOf(url), crawlDate, source, null, 0f, text, null,
        text.length(), 0, Map.of());
  }

  public Document withText(String newText) {
    return new Document(docId, url, domain, crawlDate, source, language, languageScore, newText, contentSha1,
        newText.length(), numWords, qualitySignals);
  }

  public Document withLanguage(String lang, float score) {
    return new Document(docId, url, domain, crawlDate, source, lang, score, text, contentSha1, numChars, numWords,
        qualitySignals);
  }

  public Document withIdentity(String newDocId, String newContentSha1, int words) {
    return new Document(newDocId, url, domain, crawlDate, source, language, languageScore, text, newContentSha1,
        numChars, words, qualitySignals);
  }

  /** Adds signals; a later value for the same key replaces the earlier one. */
  public Document withSignals(Map<String, Double> more) {
    if (more.isEmpty()) {
      return this;
    }
    Map<String, Double> merged = new TreeMap<>(qualitySignals);
    merged.putAll(more);
    return new Document(docId, url, domain, crawlDate, source, language, languageScore, text, contentSha1, numChars,
        numWords, merged);
  }
}
