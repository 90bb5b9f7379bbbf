package io.llmforge.pipeline.filter;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Text splitting shared by the quality filters, with the exact semantics of the Python that the published
 * thresholds were tuned on (datatrove {@code utils/text.py} at commit a649de79, CPython {@code str} methods).
 * Lengths are counted in code points, as Python's {@code len(str)} does, not in UTF-16 units.
 *
 * <ul>
 *   <li>{@link #words}: datatrove's English {@code split_into_words}, i.e. spaCy's rule tokenizer: punctuation
 *       marks are words of their own ("Hello," is two words), "don't" is "do" + "n't", URLs and "U.S." stay whole.
 *       Letters of any script count. Han ideographs, hiragana and katakana are one word per character, so a
 *       Chinese paragraph of 200 characters is about 200 words, not 1 (see {@link WordTokenizer}).
 *   <li>{@link #lines}: {@code str.splitlines()} ({@code \n}, {@code \r\n}, {@code \r}, VT, FF, FS, GS, RS, NEL,
 *       U+2028, U+2029; no trailing empty line).
 *   <li>{@link #paragraphs}: Gopher repetition's {@code re.split(r"\n{2,}", text.strip())}: blocks separated by
 *       at least one empty line (a line of spaces does not separate paragraphs).
 *   <li>{@link #sentenceCount}: spaCy's Sentencizer (datatrove's English {@code split_into_sentences}).
 *   <li>{@link #ngrams}: word n-grams joined by one space, as Gopher's {@code get_n_grams}.
 * </ul>
 */
public final class Words {
  private Words() {}

  /**
   * The last text split on this thread and its words: the quality filters run one after the other on the same
   * document and each needs its words, as datatrove's {@code lru_cache} on {@code split_into_words} also
   * exploits. Keyed by identity, so it can never return another text's words.
   */
  private static final ThreadLocal<Object[]> LAST_SPLIT = ThreadLocal.withInitial(() -> new Object[2]);

  /** Words of {@code text} as datatrove splits English (see the class comment); an unmodifiable list. */
  @SuppressWarnings("unchecked")
  public static List<String> words(String text) {
    Object[] last = LAST_SPLIT.get();
    if (last[0] == text) {
      return (List<String>) last[1];
    }
    List<String> words = Collections.unmodifiableList(WordTokenizer.tokenize(text));
    last[0] = text;
    last[1] = words;
    return words;
  }

  /** CPython {@code str.splitlines()}. */
  public static List<String> lines(String text) {
    List<String> out = new ArrayList<>();
    int n = text.length();
    int start = 0;
    int i = 0;
    while (i < n) {
      char c = text.charAt(i);
      if (isLineBreak(c)) {
        out.add(text.substring(start, i));
        i += (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') ? 2 : 1;
        start = i;
      } else {
        i++;
      }
    }
    if (start < n) {
      out.add(text.substring(start));
    }
    return out;
  }

  private static boolean isLineBreak(char c) {
    return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E
        || c == 0x85 || c == '\u2028' || c == '\u2029';
  }

  /** {@code re.split("\n+", text)}: keeps a leading or trailing empty string when the text starts or ends so. */
  public static List<String> splitOnNewlineRuns(String text) {
    return splitOnNewlines(text, 1);
  }

  /** Gopher's paragraphs: {@code re.split(r"\n{2,}", text.strip())}. */
  public static List<String> paragraphs(String text) {
    return splitOnNewlines(strip(text), 2);
  }

  private static List<String> splitOnNewlines(String text, int minRun) {
    List<String> out = new ArrayList<>();
    int n = text.length();
    int start = 0;
    int i = 0;
    while (i < n) {
      if (text.charAt(i) != '\n') {
        i++;
        continue;
      }
      int j = i;
      while (j < n && text.charAt(j) == '\n') {
        j++;
      }
      if (j - i >= minRun) {
        out.add(text.substring(start, i));
        start = j;
      }
      i = j;
    }
    out.add(text.substring(start));
    return out;
  }

  /**
   * Number of sentences spaCy's Sentencizer finds: a sentence ends after a sentence-final mark ({@code . ! ?}
   * and their equivalents in other scripts) once a token follows that is not punctuation. "Mr.", "U.S." and
   * "3.5" therefore do not end sentences. 0 for text without words.
   */
  public static int sentenceCount(String text) {
    List<String> tokens = WordTokenizer.tokenize(text);
    if (tokens.isEmpty()) {
      return 0;
    }
    int count = 1;
    boolean seenFinal = false;
    for (String token : tokens) {
      boolean isFinal = token.codePointCount(0, token.length()) == 1
          && TextChars.isSentenceFinal(token.codePointAt(0));
      if (seenFinal && !isFinal && !isAllPunctuation(token)) {
        count++;
        seenFinal = false;
      } else if (isFinal) {
        seenFinal = true;
      }
    }
    return count;
  }

  private static boolean isAllPunctuation(String token) {
    for (int i = 0; i < token.length(); ) {
      int cp = token.codePointAt(i);
      if (!TextChars.isUnicodePunctuation(cp)) {
        return false;
      }
      i += Character.charCount(cp);
    }
    return true;
  }

  /** Word n-grams joined by a single space; empty when there are fewer than {@code n} words. */
  public static List<String> ngrams(List<String> words, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1: " + n);
    }
    List<String> out = new ArrayList<>(Math.max(0, words.size() - n + 1));
    for (int i = 0; i + n <= words.size(); i++) {
      out.add(String.join(" ", words.subList(i, i + n)));
    }
    return out;
  }

  /** CPython {@code str.split()}: runs of whitespace separate, no empty strings. */
  public static List<String> whitespaceSplit(String text) {
    List<String> out = new ArrayList<>();
    int n = text.length();
    int i = 0;
    while (i < n) {
      int cp = text.codePointAt(i);
      if (TextChars.isSpace(cp)) {
        i += Character.charCount(cp);
        continue;
      }
      int start = i;
      while (i < n && !TextChars.isSpace(cp = text.codePointAt(i))) {
        i += Character.charCount(cp);
      }
      out.add(text.substring(start, i));
    }
    return out;
  }

  /** CPython {@code str.strip()} (Unicode whitespace, which Java's {@code String.strip} defines differently). */
  public static String strip(String s) {
    return s.substring(firstNonSpace(s), lastNonSpaceEnd(s, firstNonSpace(s)));
  }

  /** CPython {@code str.lstrip()}. */
  public static String lstrip(String s) {
    return s.substring(firstNonSpace(s));
  }

  /** CPython {@code str.rstrip()}. */
  public static String rstrip(String s) {
    return s.substring(0, lastNonSpaceEnd(s, 0));
  }

  private static int firstNonSpace(String s) {
    int i = 0;
    while (i < s.length()) {
      int cp = s.codePointAt(i);
      if (!TextChars.isSpace(cp)) {
        break;
      }
      i += Character.charCount(cp);
    }
    return i;
  }

  private static int lastNonSpaceEnd(String s, int from) {
    int e = s.length();
    while (e > from) {
      int cp = s.codePointBefore(e);
      if (!TextChars.isSpace(cp)) {
        break;
      }
      e -= Character.charCount(cp);
    }
    return e;
  }

  /** Python {@code len(str)}: code points. */
  public static int length(CharSequence s) {
    return Character.codePointCount(s, 0, s.length());
  }

  /** Python {@code str.count(needle)}: non-overlapping occurrences. */
  public static int count(String text, String needle) {
    if (needle.isEmpty()) {
      throw new IllegalArgumentException("empty needle");
    }
    int count = 0;
    int i = text.indexOf(needle);
    while (i >= 0) {
      count++;
      i = text.indexOf(needle, i + needle.length());
    }
    return count;
  }

  /** True when every character of {@code word} is in datatrove's {@code PUNCTUATION_SET} (Gopher's "symbol"). */
  public static boolean isSymbolWord(String word) {
    for (int i = 0; i < word.length(); ) {
      int cp = word.codePointAt(i);
      if (!TextChars.isPunctuation(cp)) {
        return false;
      }
      i += Character.charCount(cp);
    }
    return true;
  }

  /** True when {@code word} has a letter of any script (Python {@code any(c.isalpha() for c in w)}). */
  public static boolean hasLetter(String word) {
    for (int i = 0; i < word.length(); ) {
      int cp = word.codePointAt(i);
      if (TextChars.isAlpha(cp)) {
        return true;
      }
      i += Character.charCount(cp);
    }
    return false;
  }

  /** True when {@code s} ends with one of datatrove's {@code TERMINAL_PUNCTUATION} marks. */
  public static boolean endsWithTerminalPunctuation(String s) {
    return !s.isEmpty() && TextChars.isTerminalPunctuation(s.codePointBefore(s.length()));
  }
}
