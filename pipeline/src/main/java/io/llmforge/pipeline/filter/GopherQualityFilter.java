package io.llmforge.pipeline.filter;

import io.llmforge.pipeline.document.Document;
import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The MassiveText/Gopher quality rules (Rae et al. 2021, "Scaling Language Models", arXiv:2112.11446, section
 * A.1.1 "Quality filtering"), computed exactly as datatrove's {@code GopherQualityFilter}
 * (src/datatrove/pipeline/filters/gopher_quality_filter.py, commit a649de79), the implementation FineWeb used.
 * Rules, in the order they are checked:
 *
 * <ol>
 *   <li>word count between 50 and 100,000, counting only words that are not pure punctuation;
 *   <li>mean length of those words between 3 and 10 characters;
 *   <li>at most 0.1 "#" per word and at most 0.1 ellipses ("..." or "…") per word; here "word" includes
 *       punctuation tokens, as upstream divides by all tokens;
 *   <li>at most 90% of lines starting with a bullet ("•" or "-", after leading whitespace);
 *   <li>at most 30% of lines ending with an ellipsis;
 *   <li>at least 80% of words (again all tokens, punctuation included) containing a letter of any script;
 *   <li>at least 2 of the stop words "the", "be", "to", "of", "and", "that", "have", "with" (distinct, and
 *       case-sensitive as upstream: "The" does not count).
 * </ol>
 *
 * <p>Words are {@link Words#words} (datatrove's spaCy-based English split), lines {@code str.splitlines()}. The
 * rules are designed for English; run the filter after the language filter. All eight signals are computed for
 * every document. To disable a minimum set it to 0; to disable a maximum set it to
 * {@link Double#POSITIVE_INFINITY} (upstream disables with {@code None}).
 */
public final class GopherQualityFilter implements DocumentFilter {
  private static final long serialVersionUID = 1L;

  /** Filter name and signal prefix. */
  public static final String NAME = "gopher";

  /** The Gopher stop words (arXiv:2112.11446 A.1.1; datatrove {@code STOP_WORDS}). */
  public static final Set<String> GOPHER_STOP_WORDS = Set.of("the", "be", "to", "of", "and", "that", "have", "with");

  /**
   * Thresholds.
   *
   * @param minWords             minimum non-symbol words (Gopher: 50)
   * @param maxWords             maximum non-symbol words (Gopher: 100,000)
   * @param minMeanWordLength    minimum mean word length in characters (Gopher: 3)
   * @param maxMeanWordLength    maximum mean word length (Gopher: 10)
   * @param maxSymbolWordRatio   maximum "#" per word and ellipsis per word (Gopher: 0.1)
   * @param maxBulletLinesRatio  maximum fraction of lines starting with a bullet (Gopher: 0.9)
   * @param maxEllipsisLinesRatio maximum fraction of lines ending with an ellipsis (Gopher: 0.3)
   * @param minAlphaWordsRatio   minimum fraction of words with a letter (Gopher: 0.8; datatrove calls it
   *                             {@code max_non_alpha_words_ratio} but uses it as this minimum)
   * @param minStopWords         minimum distinct stop words present (Gopher: 2)
   * @param stopWords            the stop words (Gopher's eight)
   */
  public record Settings(int minWords, int maxWords, double minMeanWordLength, double maxMeanWordLength,
      double maxSymbolWordRatio, double maxBulletLinesRatio, double maxEllipsisLinesRatio,
      double minAlphaWordsRatio, int minStopWords, Set<String> stopWords) implements Serializable {

    public Settings {
      if (minWords < 0 || maxWords < minWords) {
        throw new IllegalArgumentException("need 0 <= minWords <= maxWords: " + minWords + ", " + maxWords);
      }
      if (!(minMeanWordLength >= 0) || !(maxMeanWordLength >= minMeanWordLength)) {
        throw new IllegalArgumentException(
            "need 0 <= minMeanWordLength <= maxMeanWordLength: " + minMeanWordLength + ", " + maxMeanWordLength);
      }
      requireNonNegative("maxSymbolWordRatio", maxSymbolWordRatio);
      requireNonNegative("maxBulletLinesRatio", maxBulletLinesRatio);
      requireNonNegative("maxEllipsisLinesRatio", maxEllipsisLinesRatio);
      requireNonNegative("minAlphaWordsRatio", minAlphaWordsRatio);
      if (minStopWords < 0) {
        throw new IllegalArgumentException("minStopWords must be >= 0: " + minStopWords);
      }
      stopWords = Set.copyOf(stopWords);
    }

    /** The published defaults (Gopher A.1.1 = datatrove's constructor defaults). */
    public static Settings defaults() {
      return new Settings(50, 100_000, 3, 10, 0.1, 0.9, 0.3, 0.8, 2, GOPHER_STOP_WORDS);
    }

    private static void requireNonNegative(String name, double value) {
      if (!(value >= 0)) {
        throw new IllegalArgumentException(name + " must be >= 0: " + value);
      }
    }
  }

  private final Settings settings;

  public GopherQualityFilter() {
    this(Settings.defaults());
  }

  public GopherQualityFilter(Settings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Verdict apply(Document doc) {
    String text = doc.text();
    List<String> words = Words.words(text);
    int tokens = words.size();

    int wordCount = 0;
    long wordChars = 0;
    int withLetter = 0;
    Set<String> stopWordsSeen = new HashSet<>();
    for (String w : words) {
      if (!Words.isSymbolWord(w)) {
        wordCount++;
        wordChars += Words.length(w);
      }
      if (Words.hasLetter(w)) {
        withLetter++;
      }
      if (settings.stopWords().contains(w)) {
        stopWordsSeen.add(w);
      }
    }
    double meanWordLength = SignalMap.ratio(wordChars, wordCount);
    double hashRatio = SignalMap.ratio(Words.count(text, "#"), tokens);
    double ellipsisRatio = SignalMap.ratio(Words.count(text, "...") + Words.count(text, "…"), tokens);

    List<String> lines = Words.lines(text);
    int bulletLines = 0;
    int ellipsisLines = 0;
    for (String line : lines) {
      String left = Words.lstrip(line);
      if (left.startsWith("•") || left.startsWith("-")) {
        bulletLines++;
      }
      String right = Words.rstrip(line);
      if (right.endsWith("...") || right.endsWith("…")) {
        ellipsisLines++;
      }
    }
    double bulletRatio = SignalMap.ratio(bulletLines, lines.size());
    double ellipsisLinesRatio = SignalMap.ratio(ellipsisLines, lines.size());
    double alphaRatio = SignalMap.ratio(withLetter, tokens);

    SignalMap signals = new SignalMap(NAME)
        .put("word_count", wordCount)
        .put("mean_word_length", meanWordLength)
        .put("hash_ratio", hashRatio)
        .put("ellipsis_ratio", ellipsisRatio)
        .put("bullet_lines_ratio", bulletRatio)
        .put("ellipsis_lines_ratio", ellipsisLinesRatio)
        .put("alpha_words_ratio", alphaRatio)
        .put("stop_words", stopWordsSeen.size());

    Settings s = settings;
    String reason = null;
    if (wordCount < s.minWords()) {
      reason = SignalMap.reason("word_count", wordCount, "<", s.minWords());
    } else if (wordCount > s.maxWords()) {
      reason = SignalMap.reason("word_count", wordCount, ">", s.maxWords());
    } else if (meanWordLength < s.minMeanWordLength()) {
      reason = SignalMap.reason("mean_word_length", meanWordLength, "<", s.minMeanWordLength());
    } else if (meanWordLength > s.maxMeanWordLength()) {
      reason = SignalMap.reason("mean_word_length", meanWordLength, ">", s.maxMeanWordLength());
    } else if (hashRatio > s.maxSymbolWordRatio()) {
      reason = SignalMap.reason("hash_ratio", hashRatio, ">", s.maxSymbolWordRatio());
    } else if (ellipsisRatio > s.maxSymbolWordRatio()) {
      reason = SignalMap.reason("ellipsis_ratio", ellipsisRatio, ">", s.maxSymbolWordRatio());
    } else if (bulletRatio > s.maxBulletLinesRatio()) {
      reason = SignalMap.reason("bullet_lines_ratio", bulletRatio, ">", s.maxBulletLinesRatio());
    } else if (ellipsisLinesRatio > s.maxEllipsisLinesRatio()) {
      reason = SignalMap.reason("ellipsis_lines_ratio", ellipsisLinesRatio, ">", s.maxEllipsisLinesRatio());
    } else if (alphaRatio < s.minAlphaWordsRatio()) {
      reason = SignalMap.reason("alpha_words_ratio", alphaRatio, "<", s.minAlphaWordsRatio());
    } else if (stopWordsSeen.size() < s.minStopWords()) {
      reason = SignalMap.reason("stop_words", stopWordsSeen.size(), "<", s.minStopWords());
    }
    return reason == null ? Verdict.keep(signals.build()) : Verdict.reject(signals.build(), reason);
  }
}
