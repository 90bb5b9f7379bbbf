package io.llmforge.pipeline.text;

import java.text.Normalizer;

/**
 * Canonical text for training: Unicode NFC, '\n' line ends, no control or invisible formatting characters,
 * single spaces, trimmed lines, at most one blank line between paragraphs.
 *
 * <p>Emoji survive intact: surrogate pairs, the zero-width joiner (U+200D) that glues family/profession emoji,
 * and variation selectors (U+FE0E/U+FE0F) are kept. Lone surrogates and U+FFFD replacement characters are
 * dropped: they carry no meaning and break tokenizers.
 */
public final class TextNormalizer {
  private TextNormalizer() {}

  public static String normalize(String text) {
    String nfc = Normalizer.isNormalized(text, Normalizer.Form.NFC) ? text : Normalizer.normalize(text, Normalizer.Form.NFC);
    StringBuilder out = new StringBuilder(nfc.length());
    StringBuilder line = new StringBuilder();
    boolean blankSinceLastLine = false;
    int i = 0;
    while (i <= nfc.length()) {
      int end = i;
      while (end < nfc.length() && !isLineBreak(nfc.charAt(end))) {
        end++;
      }
      cleanLine(nfc, i, end, line);
      if (line.length() == 0) {
        blankSinceLastLine = true;
      } else {
        if (out.length() > 0) {
          out.append(blankSinceLastLine ? "\n\n" : "\n");
        }
        out.append(line);
        blankSinceLastLine = false;
      }
      // "\r\n" is one break, not a line followed by an empty one.
      i = end + (end + 1 < nfc.length() && nfc.charAt(end) == '\r' && nfc.charAt(end + 1) == '\n' ? 2 : 1);
    }
    return out.toString();
  }

  /** Copies chars [from, to) into {@code line}: invisible characters dropped, whitespace runs as one space, trimmed. */
  private static void cleanLine(String s, int from, int to, StringBuilder line) {
    line.setLength(0);
    boolean space = false;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
          appendSpace(line, space);
          space = false;
          line.append(c).append(s.charAt(++i));
        }
      } else if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
        space = true;
      } else if (!Character.isLowSurrogate(c) && c != '\uFFFD' && !isInvisible(c)
          && Character.getType(c) != Character.CONTROL) {
        appendSpace(line, space);
        space = false;
        line.append(c);
      }
    }
  }

  private static void appendSpace(StringBuilder line, boolean space) {
    if (space && line.length() > 0) {
      line.append(' ');
    }
  }

  private static boolean isLineBreak(char c) {
    return c == '\n' || c == '\r' || c == '\u2028' || c == '\u2029' || c == '\u000B' || c == '\u000C' || c == '\u0085';
  }

  /** Zero-width and bidi control characters that survive extraction but are not text. ZWJ and VS are not here. */
  private static boolean isInvisible(char c) {
    return c == '\u200B' || c == '\u200C' || c == '\u200E' || c == '\u200F' || c == '\uFEFF' || c == '\u00AD'
        || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2060' && c <= '\u2064') || (c >= '\u2066' && c <= '\u2069');
  }
}
