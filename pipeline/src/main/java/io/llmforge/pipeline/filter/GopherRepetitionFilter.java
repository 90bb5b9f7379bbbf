package io.llmforge.pipeline.filter;

import io.llmforge.pipeline.document.Document;
import java.io.Serializable;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Removes documents that repeat themselves: the repetition rules of MassiveText/Gopher (Rae et al. 2021,
 * "Scaling Language Models", arXiv:2112.11446, Table A1), computed exactly as datatrove's
 * {@code GopherRepetitionFilter} (src/datatrove/pipeline/filters/gopher_repetition_filter.py, commit a649de79):
 *
 * <ul>
 *   <li>paragraphs are {@code re.split(r"\n{2,}", text.strip())}; a paragraph equal to an earlier one is a
 *       duplicate; fractions: duplicates / paragraphs (max 0.30) and duplicate characters / text characters
 *       (max 0.20);
 *   <li>lines are {@code re.split("\n+", text)} (not stripped: a leading or trailing newline yields an empty line);
 *       same two fractions (max 0.30 and 0.20);
 *   <li>top n-gram for n = 2, 3, 4: the most frequent word n-gram (the first seen among equally frequent ones),
 *       its length as words joined by one space times its count, over the text's characters (max 0.20, 0.18,
 *       0.16). A text of just a few words fails this rule even without repetition, as upstream;
 *   <li>duplicated n-grams for n = 5..10: scanning word positions left to right, an n-gram already seen adds the
 *       characters of its n words (without spaces) and the scan jumps n words ahead, so overlapping repeats are
 *       not counted twice; otherwise it is remembered and the scan moves one word. Over the text's characters
 *       (max 0.15, 0.14, 0.13, 0.12, 0.11, 0.10).
 * </ul>
 *
 * <p>Characters are code points (Python {@code len}); words are {@link Words#words}. Rules are checked in the
 * order above and the first failing one is the reason, but every signal is always computed. Linear in the text
 * length: n-grams are hashed as word-id sequences ({@link NGramTable}), never materialised as strings.
 *
 * <p>Deviation: an empty text (upstream divides by zero) is kept with all signals 0.
 */
public final class GopherRepetitionFilter implements DocumentFilter {
  private static final long serialVersionUID = 1L;

  /** Filter name and signal prefix. */
  public static final String NAME = "gopher_rep";

  /** A limit on an n-gram character fraction. */
  public record NGramLimit(int n, double maxCharFraction) implements Serializable {
    public NGramLimit {
      if (n < 1) {
        throw new IllegalArgumentException("n must be >= 1: " + n);
      }
      requireFraction("maxCharFraction", maxCharFraction);
    }
  }

  /**
   * Thresholds; every one is a maximum (a document above it is removed). Set one to 1.0 or more to disable it.
   *
   * @param maxDupLineFrac        duplicate lines / lines (Gopher Table A1: 0.30)
   * @param maxDupParaFrac        duplicate paragraphs / paragraphs (0.30)
   * @param maxDupLineCharFrac    characters in duplicate lines / text characters (0.20)
   * @param maxDupParaCharFrac    characters in duplicate paragraphs / text characters (0.20)
   * @param topNGrams             top n-gram character fraction limits (n = 2, 3, 4: 0.20, 0.18, 0.16)
   * @param duplicateNGrams       duplicated n-gram character fraction limits (n = 5..10: 0.15 down to 0.10)
   */
  public record Settings(double maxDupLineFrac, double maxDupParaFrac, double maxDupLineCharFrac,
      double maxDupParaCharFrac, List<NGramLimit> topNGrams, List<NGramLimit> duplicateNGrams)
      implements Serializable {

    public Settings {
      requireFraction("maxDupLineFrac", maxDupLineFrac);
      requireFraction("maxDupParaFrac", maxDupParaFrac);
      requireFraction("maxDupLineCharFrac", maxDupLineCharFrac);
      requireFraction("maxDupParaCharFrac", maxDupParaCharFrac);
      topNGrams = List.copyOf(topNGrams);
      duplicateNGrams = List.copyOf(duplicateNGrams);
    }

    /** The published defaults: Gopher Table A1, identical to datatrove's constructor defaults. */
    public static Settings defaults() {
      return new Settings(0.30, 0.30, 0.20, 0.20,
          List.of(new NGramLimit(2, 0.20), new NGramLimit(3, 0.18), new NGramLimit(4, 0.16)),
          List.of(new NGramLimit(5, 0.15), new NGramLimit(6, 0.14), new NGramLimit(7, 0.13),
              new NGramLimit(8, 0.12), new NGramLimit(9, 0.11), new NGramLimit(10, 0.10)));
    }
  }

  private final Settings settings;

  public GopherRepetitionFilter() {
    this(Settings.defaults());
  }

  public GopherRepetitionFilter(Settings settings) {
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
    double textChars = Words.length(text);
    SignalMap signals = new SignalMap(NAME);
    String reason = null;

    List<String> paragraphs = Words.paragraphs(text);
    long[] paraDup = duplicates(paragraphs);
    double paraFrac = SignalMap.ratio(paraDup[0], paragraphs.size());
    double paraCharFrac = SignalMap.ratio(paraDup[1], textChars);
    signals.put("dup_para_frac", paraFrac).put("dup_para_char_frac", paraCharFrac);
    reason = firstExceeded(reason, "dup_para_frac", paraFrac, settings.maxDupParaFrac());
    reason = firstExceeded(reason, "dup_para_char_frac", paraCharFrac, settings.maxDupParaCharFrac());

    List<String> lines = Words.splitOnNewlineRuns(text);
    long[] lineDup = duplicates(lines);
    double lineFrac = SignalMap.ratio(lineDup[0], lines.size());
    double lineCharFrac = SignalMap.ratio(lineDup[1], textChars);
    signals.put("dup_line_frac", lineFrac).put("dup_line_char_frac", lineCharFrac);
    reason = firstExceeded(reason, "dup_line_frac", lineFrac, settings.maxDupLineFrac());
    reason = firstExceeded(reason, "dup_line_char_frac", lineCharFrac, settings.maxDupLineCharFrac());

    WordIds words = WordIds.of(Words.words(text));
    for (NGramLimit limit : settings.topNGrams()) {
      String rule = "top_" + limit.n() + "_gram_char_frac";
      double frac = SignalMap.ratio(topNGramChars(words, limit.n()), textChars);
      signals.put(rule, frac);
      reason = firstExceeded(reason, rule, frac, limit.maxCharFraction());
    }
    for (NGramLimit limit : settings.duplicateNGrams()) {
      String rule = "dup_" + limit.n() + "_gram_char_frac";
      double frac = SignalMap.ratio(duplicateNGramChars(words, limit.n()), textChars);
      signals.put(rule, frac);
      reason = firstExceeded(reason, rule, frac, limit.maxCharFraction());
    }
    return reason == null ? Verdict.keep(signals.build()) : Verdict.reject(signals.build(), reason);
  }

  private static String firstExceeded(String reason, String rule, double value, double max) {
    if (reason == null && value > max) {
      return SignalMap.reason(rule, value, ">", max);
    }
    return reason;
  }

  /** datatrove {@code find_duplicates}: {elements equal to an earlier one, their total characters}. */
  static long[] duplicates(List<String> elements) {
    Set<String> seen = new HashSet<>(elements.size() * 2);
    long dupElements = 0;
    long dupChars = 0;
    for (String element : elements) {
      if (!seen.add(element)) {
        dupElements++;
        dupChars += Words.length(element);
      }
    }
    return new long[] {dupElements, dupChars};
  }

  /**
   * datatrove {@code find_top_duplicate}: characters of the most frequent n-gram (words joined by single spaces)
   * times its count; the earliest-seen n-gram wins ties, as {@code Counter.most_common(1)} does. 0 when there
   * are fewer than n words.
   */
  static long topNGramChars(WordIds words, int n) {
    int starts = words.size() - n + 1;
    if (starts <= 0) {
      return 0;
    }
    NGramTable table = new NGramTable(words.sequenceKeys(n), starts);
    int bestCount = 0;
    int bestFirst = Integer.MAX_VALUE;
    for (int start = 0; start < starts; start++) {
      int slot = table.add(start);
      int count = table.count(slot);
      int first = table.firstStart(slot);
      if (count > bestCount || (count == bestCount && first < bestFirst)) {
        bestCount = count;
        bestFirst = first;
      }
    }
    long ngramChars = words.chars(bestFirst, bestFirst + n) + (n - 1);
    return ngramChars * bestCount;
  }

  /**
   * datatrove {@code find_all_duplicate}: characters (without spaces) of n-grams seen before, skipping n words
   * after each such n-gram so that overlapping repeats count once. As upstream, n-grams are compared as their
   * words concatenated without separator ("".join), so [".", ".."] repeats [".." "."].
   */
  static long duplicateNGramChars(WordIds words, int n) {
    int starts = words.size() - n + 1;
    if (starts <= 0) {
      return 0;
    }
    NGramTable table = new NGramTable(words.concatenationKeys(n), starts);
    long repeated = 0;
    int idx = 0;
    while (idx < starts) {
      if (table.contains(idx)) {
        repeated += words.chars(idx, idx + n);
        idx += n;
      } else {
        table.add(idx);
        idx++;
      }
    }
    assert repeated <= words.chars(0, words.size());
    return repeated;
  }

  /**
   * The words of a text as dense integer ids (equal words, equal ids), prefix sums of their lengths in code
   * points, and polynomial hashes of their characters so that the hash of a concatenation is computed from the
   * words' hashes in O(n).
   */
  record WordIds(List<String> words, int[] ids, long[] charPrefix, long[] charHash, long[] charPow) {
    private static final long BASE = 0x100000001b3L;

    static WordIds of(List<String> words) {
      Map<String, Integer> index = new HashMap<>(words.size() * 2);
      int size = words.size();
      int[] ids = new int[size];
      long[] prefix = new long[size + 1];
      long[] hash = new long[size];
      long[] pow = new long[size];
      for (int i = 0; i < size; i++) {
        String w = words.get(i);
        Integer id = index.putIfAbsent(w, index.size());
        ids[i] = id == null ? index.size() - 1 : id;
        prefix[i + 1] = prefix[i] + Words.length(w);
        long h = 0;
        long p = 1;
        for (int k = 0; k < w.length(); k++) {
          h = h * BASE + w.charAt(k);
          p *= BASE;
        }
        hash[i] = h;
        pow[i] = p;
      }
      return new WordIds(words, ids, prefix, hash, pow);
    }

    int size() {
      return ids.length;
    }

    /** Total code points of words [from, to). */
    long chars(int from, int to) {
      return charPrefix[to] - charPrefix[from];
    }

    /** n-grams equal when their word sequences are equal. */
    NGramTable.Keys sequenceKeys(int n) {
      return new NGramTable.Keys() {
        @Override
        public long hash(int start) {
          long h = 1;
          for (int k = 0; k < n; k++) {
            h = h * BASE + ids[start + k];
          }
          return h;
        }

        @Override
        public boolean same(int a, int b) {
          for (int k = 0; k < n; k++) {
            if (ids[a + k] != ids[b + k]) {
              return false;
            }
          }
          return true;
        }
      };
    }

    /** n-grams equal when their words concatenated without separator are equal. */
    NGramTable.Keys concatenationKeys(int n) {
      return new NGramTable.Keys() {
        @Override
        public long hash(int start) {
          long h = 0;
          for (int k = start; k < start + n; k++) {
            h = h * charPow[k] + charHash[k];
          }
          return h;
        }

        @Override
        public boolean same(int a, int b) {
          if (chars(a, a + n) != chars(b, b + n)) {
            return false;
          }
          int wa = a;
          int wb = b;
          int ia = 0;
          int ib = 0;
          while (wa < a + n && wb < b + n) {
            String sa = words.get(wa);
            String sb = words.get(wb);
            if (ia == sa.length()) {
              wa++;
              ia = 0;
            } else if (ib == sb.length()) {
              wb++;
              ib = 0;
            } else if (sa.charAt(ia++) != sb.charAt(ib++)) {
              return false;
            }
          }
          return true;
        }
      };
    }
  }

  private static void requireFraction(String name, double value) {
    if (!(value >= 0)) {
      throw new IllegalArgumentException(name + " must be >= 0: " + value);
    }
  }
}
