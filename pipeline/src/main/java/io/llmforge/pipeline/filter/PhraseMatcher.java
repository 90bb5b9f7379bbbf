package io.llmforge.pipeline.filter;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Whole-word, case-insensitive matching of a word list (C4's "List of Dirty, Naughty, Obscene or Otherwise Bad
 * Words") against document text, without one regex per word. The text is cut into word tokens (runs of letters,
 * digits, marks and "_", i.e. Python's {@code \w}, lower-cased); a one-word entry matches a token through a hash
 * set, a multi-word entry ("2 girls 1 cup", "g-spot") matches consecutive tokens. This is C4's rule
 * {@code (?:\W|^)(word)(?:\W|$)} on the lower-cased text, except that a phrase's words may be separated by any
 * non-word characters, not just by the exact separator listed. Entries in scripts written without spaces (Han,
 * kana, Thai, Lao, Khmer, Myanmar) match as substrings, as C4 does for Chinese, Japanese and Thai. Entries without
 * any word character (emoji) are ignored. Immutable once built; thread-safe.
 */
final class PhraseMatcher implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Set<String> singleWords = new HashSet<>();
  private final Map<String, List<String[]>> phrasesByFirstWord = new HashMap<>();
  private final SubstringTrie unsegmented = new SubstringTrie();
  private int size;

  /** One occurrence count and the first entry found. */
  record Hits(int count, String first) {
    static final Hits NONE = new Hits(0, null);
  }

  static PhraseMatcher of(Iterable<String> entries) {
    PhraseMatcher m = new PhraseMatcher();
    for (String entry : entries) {
      m.add(entry);
    }
    return m;
  }

  private void add(String entry) {
    String e = Words.strip(entry).toLowerCase(Locale.ROOT);
    if (e.isEmpty()) {
      return;
    }
    if (hasUnsegmentedScript(e)) {
      unsegmented.add(e);
      size++;
      return;
    }
    List<String> tokens = tokens(e);
    if (tokens.isEmpty()) {
      return;
    }
    if (tokens.size() == 1) {
      singleWords.add(tokens.get(0));
    } else {
      phrasesByFirstWord.computeIfAbsent(tokens.get(0), k -> new ArrayList<>())
          .add(tokens.subList(1, tokens.size()).toArray(new String[0]));
    }
    size++;
  }

  int size() {
    return size;
  }

  /** Occurrences of listed entries in {@code text}. */
  Hits find(String text) {
    List<String> tokens = tokens(text);
    int count = 0;
    String first = null;
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      if (singleWords.contains(t)) {
        count++;
        first = first == null ? t : first;
      }
      List<String[]> phrases = phrasesByFirstWord.get(t);
      if (phrases != null) {
        for (String[] rest : phrases) {
          if (matchesAt(tokens, i + 1, rest)) {
            count++;
            first = first == null ? t + " " + String.join(" ", rest) : first;
          }
        }
      }
    }
    if (!unsegmented.isEmpty()) {
      SubstringTrie.Hits hits = unsegmented.scan(text.toLowerCase(Locale.ROOT), false);
      count += hits.count();
      first = first == null ? hits.first() : first;
    }
    return count == 0 ? Hits.NONE : new Hits(count, first);
  }

  private static boolean matchesAt(List<String> tokens, int from, String[] rest) {
    if (from + rest.length > tokens.size()) {
      return false;
    }
    for (int k = 0; k < rest.length; k++) {
      if (!tokens.get(from + k).equals(rest[k])) {
        return false;
      }
    }
    return true;
  }

  /** Lower-cased runs of word characters. */
  static List<String> tokens(String text) {
    List<String> out = new ArrayList<>();
    int n = text.length();
    int i = 0;
    while (i < n) {
      int cp = text.codePointAt(i);
      if (!isWordChar(cp)) {
        i += Character.charCount(cp);
        continue;
      }
      int start = i;
      while (i < n && isWordChar(cp = text.codePointAt(i))) {
        i += Character.charCount(cp);
      }
      out.add(text.substring(start, i).toLowerCase(Locale.ROOT));
    }
    return out;
  }

  private static boolean isWordChar(int cp) {
    if (Character.isLetterOrDigit(cp) || cp == '_') {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
        || type == Character.ENCLOSING_MARK;
  }

  private static boolean hasUnsegmentedScript(String s) {
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      if (cp >= 0x0E00) {
        Character.UnicodeScript script = Character.UnicodeScript.of(cp);
        switch (script) {
          case HAN, HIRAGANA, KATAKANA, THAI, LAO, KHMER, MYANMAR:
            return true;
          default:
            break;
        }
      }
      i += Character.charCount(cp);
    }
    return false;
  }
}
