package io.llmforge.pipeline.filter;

import io.llmforge.pipeline.document.Document;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The C4 cleaning rules (Raffel et al. 2020, "Exploring the Limits of Transfer Learning", JMLR 21(140), section
 * 2.2; reference code tensorflow_datasets c4_utils.py) as datatrove's {@code C4QualityFilter} applies them
 * (src/datatrove/pipeline/filters/c4_filters.py, commit a649de79), with its defaults. Each line of
 * {@code text.splitlines()}, stripped, goes through these rules in order:
 *
 * <ol>
 *   <li>a line with a word (whitespace-separated) longer than 1000 characters is dropped;
 *   <li>Wikipedia citation marks ({@code [1]}, {@code [edit]}, {@code [citation needed]}) are removed from it;
 *   <li>a line not ending in {@code . ? ! " '}, or ending in "...", is dropped;
 *   <li>a line of fewer than 3 words (counted before citation removal, as upstream) is dropped;
 *   <li>"lorem ipsum" (any case) in a surviving line removes the whole document;
 *   <li>a line containing "javascript" (any case) is dropped;
 *   <li>a "{" in a surviving line removes the whole document;
 *   <li>a line containing "terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies" or
 *       "use cookies" is dropped;
 *   <li>otherwise the line is kept and its sentences are counted (spaCy's Sentencizer, {@link Words#sentenceCount}).
 * </ol>
 *
 * A document with fewer than 5 sentences in its kept lines is removed.
 *
 * <p><b>Difference from upstream:</b> datatrove's filter also <em>rewrites</em> a kept document's text to its kept
 * lines. A {@link DocumentFilter} only decides, so here the line rules are measured (how many lines each would drop,
 * recorded as signals) and the decision is the same as upstream's, but the text is left untouched. A job that
 * wants C4's rewriting calls {@link #cleanLines} on the documents this filter keeps; that pure function applies
 * rules 1-4, 6 and 8 and returns the kept lines joined by "\n", exactly the text upstream would leave. Only the
 * line-splitting mode C4 used ({@code split_paragraph=True}) is supported.
 */
public final class C4QualityFilter implements DocumentFilter {
  private static final long serialVersionUID = 1L;

  /** Filter name and signal prefix. */
  public static final String NAME = "c4";

  /** datatrove {@code CITATION_REGEX}. */
  private static final Pattern CITATION = Pattern.compile("\\[\\p{Nd}*]|\\[edit]|\\[citation needed]");

  /** datatrove {@code POLICY_SUBSTRINGS} (from c4_utils.py). */
  public static final List<String> POLICY_SUBSTRINGS = List.of(
      "terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies");

  /**
   * Rule switches and thresholds (datatrove's names in parentheses); -1 disables a numeric rule.
   *
   * @param removeCitations        strip Wikipedia citation marks ({@code remove_citations}, default true)
   * @param filterNoTerminalPunct  drop lines without terminal punctuation ({@code filter_no_terminal_punct}, true)
   * @param minNumSentences        minimum sentences in the kept lines ({@code min_num_sentences}, 5)
   * @param minWordsPerLine        drop lines with fewer words ({@code min_words_per_line}, 3)
   * @param maxWordLength          drop lines with a longer word ({@code max_word_length}, 1000)
   * @param filterLoremIpsum       remove documents with "lorem ipsum" ({@code filter_lorem_ipsum}, true)
   * @param filterJavascript       drop lines with "javascript" ({@code filter_javascript}, true)
   * @param filterCurlyBracket     remove documents with "{" ({@code filter_curly_bracket}, true)
   * @param filterPolicy           drop cookie/terms lines ({@code filter_policy}, true)
   */
  public record Settings(boolean removeCitations, boolean filterNoTerminalPunct, int minNumSentences,
      int minWordsPerLine, int maxWordLength, boolean filterLoremIpsum, boolean filterJavascript,
      boolean filterCurlyBracket, boolean filterPolicy) implements Serializable {

    public Settings {
      if (minNumSentences < -1 || minWordsPerLine < -1 || maxWordLength < -1) {
        throw new IllegalArgumentException("numeric rules must be >= 0, or -1 to disable: " + minNumSentences
            + ", " + minWordsPerLine + ", " + maxWordLength);
      }
    }

    /** datatrove's defaults, which follow the C4 paper and c4_utils.py. */
    public static Settings defaults() {
      return new Settings(true, true, 5, 3, 1000, true, true, true, true);
    }
  }

  private final Settings settings;

  public C4QualityFilter() {
    this(Settings.defaults());
  }

  public C4QualityFilter(Settings settings) {
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
    LineScan scan = LineScan.run(text, settings, true);
    long keptChars = Words.length(Words.strip(String.join("\n", scan.kept)));
    SignalMap signals = new SignalMap(NAME)
        .put("lines", scan.lines)
        .put("kept_lines", scan.kept.size())
        .put("sentences", scan.sentences)
        .put("dropped_long_word_lines", scan.longWord)
        .put("dropped_no_terminal_punct_lines", scan.noTerminalPunct)
        .put("dropped_few_words_lines", scan.fewWords)
        .put("dropped_javascript_lines", scan.javascript)
        .put("dropped_policy_lines", scan.policy)
        .put("lorem_ipsum_lines", scan.loremIpsum)
        .put("curly_bracket_lines", scan.curlyBracket)
        .put("kept_char_frac", SignalMap.ratio(keptChars, Words.length(text)));
    String reason = scan.documentReason;
    if (reason == null && settings.minNumSentences() >= 0 && scan.sentences < settings.minNumSentences()) {
      reason = SignalMap.reason("sentences", scan.sentences, "<", settings.minNumSentences());
    }
    return reason == null ? Verdict.keep(signals.build()) : Verdict.reject(signals.build(), reason);
  }

  /**
   * C4's line removal, as a pure rewrite: the lines that survive rules 1-4, 6 and 8 (citation marks removed),
   * joined by "\n" and stripped. Lines that would remove the whole document ("lorem ipsum", "{") are kept here,
   * since deciding on the document is {@link #apply}'s job; call this on documents the filter kept.
   */
  public static String cleanLines(String text, Settings settings) {
    LineScan scan = LineScan.run(text, settings, false);
    return Words.strip(String.join("\n", scan.kept));
  }

  /** One pass of the line rules over a text. */
  private static final class LineScan {
    int lines;
    int longWord;
    int noTerminalPunct;
    int fewWords;
    int javascript;
    int policy;
    int loremIpsum;
    int curlyBracket;
    int sentences;
    String documentReason;
    final List<String> kept = new ArrayList<>();

    /**
     * @param decide true for the filter (document-level rules end the line, sentences are counted); false for
     *               {@link #cleanLines} (only line-removal rules apply)
     */
    static LineScan run(String text, Settings s, boolean decide) {
      LineScan scan = new LineScan();
      for (String raw : Words.lines(text)) {
        scan.lines++;
        String line = Words.strip(raw);
        List<String> words = Words.whitespaceSplit(line);
        if (s.maxWordLength() != -1 && hasLongerWord(words, s.maxWordLength())) {
          scan.longWord++;
          continue;
        }
        if (s.removeCitations()) {
          line = CITATION.matcher(line).replaceAll("");
        }
        if (s.filterNoTerminalPunct() && (!endsWithC4Punctuation(line) || line.endsWith("..."))) {
          scan.noTerminalPunct++;
          continue;
        }
        if (words.size() < s.minWordsPerLine()) {
          scan.fewWords++;
          continue;
        }
        String lower = line.toLowerCase(Locale.ROOT);
        if (decide && s.filterLoremIpsum() && lower.contains("lorem ipsum")) {
          scan.loremIpsum++;
          scan.documentReasonIfFirst("lorem_ipsum in line " + scan.lines);
          continue;
        }
        if (s.filterJavascript() && lower.contains("javascript")) {
          scan.javascript++;
          continue;
        }
        if (decide && s.filterCurlyBracket() && line.indexOf('{') >= 0) {
          scan.curlyBracket++;
          scan.documentReasonIfFirst("curly_bracket in line " + scan.lines);
          continue;
        }
        if (s.filterPolicy() && containsPolicy(lower)) {
          scan.policy++;
          continue;
        }
        if (decide) {
          scan.sentences += Words.sentenceCount(line);
        }
        scan.kept.add(line);
      }
      return scan;
    }

    private void documentReasonIfFirst(String reason) {
      if (documentReason == null) {
        documentReason = reason;
      }
    }

    private static boolean hasLongerWord(List<String> words, int maxLength) {
      for (String w : words) {
        if (Words.length(w) > maxLength) {
          return true;
        }
      }
      return false;
    }

    /** datatrove {@code END_PUNCTUATION}: {@code . ? ! " '}. */
    private static boolean endsWithC4Punctuation(String line) {
      if (line.isEmpty()) {
        return false;
      }
      char last = line.charAt(line.length() - 1);
      return last == '.' || last == '?' || last == '!' || last == '"' || last == '\'';
    }

    private static boolean containsPolicy(String lower) {
      for (String p : POLICY_SUBSTRINGS) {
        if (lower.contains(p)) {
          return true;
        }
      }
      return false;
    }
  }
}
