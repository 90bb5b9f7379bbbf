package io.llmforge.pipeline.clean;

import io.llmforge.pipeline.shards.StableHash;

/**
 * What paragraph dedup compares: a paragraph (or line) normalised as CCNet does for its dedup hashes (lower case,
 * every digit as 0, punctuation and symbols dropped, whitespace runs as one space), then hashed to 64 bits. So
 * "© 2024 Daily Harbour. All rights reserved." and "© 2023 Daily Harbour - all rights reserved" are one key:
 * a footer that only changes its year or a counter is still the same footer.
 */
public final class ParagraphKey {
  private static final String PURPOSE = "paragraph-dedup";

  private ParagraphKey() {}

  /** The normalised form; "" for a unit with no letters or digits, which paragraph dedup never counts. */
  public static String normalize(String unit) {
    StringBuilder sb = new StringBuilder(unit.length());
    boolean gap = false;
    for (int i = 0; i < unit.length(); ) {
      int cp = unit.codePointAt(i);
      i += Character.charCount(cp);
      if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
        gap = true;
      } else if (Character.isDigit(cp)) {
        appendGap(sb, gap);
        gap = false;
        sb.append('0');
      } else if (kept(Character.getType(cp))) {
        appendGap(sb, gap);
        gap = false;
        sb.appendCodePoint(Character.toLowerCase(cp));
      }
      // Punctuation, symbols, controls and invisible format characters are dropped without leaving a gap:
      // "e-mail" and "email" are one key, as in CCNet.
    }
    return sb.toString();
  }

  /** The 64-bit key of a unit (the same on every JVM and run); only meaningful for a non-empty normal form. */
  public static long hash(String normalized) {
    return StableHash.of(0, PURPOSE, normalized);
  }

  private static void appendGap(StringBuilder sb, boolean gap) {
    if (gap && sb.length() > 0) {
      sb.append(' ');
    }
  }

  /** Letters, marks (accents, combining vowel signs) and other numbers (½, Ⅳ) make a unit; the rest is noise. */
  private static boolean kept(int type) {
    return switch (type) {
      case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
          Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.NON_SPACING_MARK,
          Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK, Character.LETTER_NUMBER,
          Character.OTHER_NUMBER -> true;
      default -> false;
    };
  }
}
