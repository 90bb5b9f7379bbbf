package io.llmforge.pipeline.clean;

/**
 * {@code num_words}: whitespace-separated tokens, except that each CJK ideograph or kana counts as a word, since
 * those scripts do not separate words with spaces and a whitespace count would call a Chinese page one word.
 */
public final class WordCount {
  private WordCount() {}

  public static int of(String text) {
    int words = 0;
    boolean inWord = false;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (Character.isWhitespace(cp)) {
        inWord = false;
      } else if (isCjk(cp)) {
        words++;
        inWord = false;
      } else if (!inWord) {
        words++;
        inWord = true;
      }
    }
    return words;
  }

  static boolean isCjk(int cp) {
    Character.UnicodeScript script = Character.UnicodeScript.of(cp);
    return script == Character.UnicodeScript.HAN || script == Character.UnicodeScript.HIRAGANA
        || script == Character.UnicodeScript.KATAKANA;
  }
}
