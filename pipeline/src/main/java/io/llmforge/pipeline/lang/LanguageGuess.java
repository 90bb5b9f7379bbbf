package io.llmforge.pipeline.lang;

/**
 * @param language ISO 639-1 code (e.g. {@code en}), or {@code und} when no language is likely
 * @param score    the detector's probability for it, 0..1
 */
public record LanguageGuess(String language, float score) {
  public static final String UNDETERMINED = "und";
}
