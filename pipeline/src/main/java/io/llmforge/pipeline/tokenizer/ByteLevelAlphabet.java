package io.llmforge.pipeline.tokenizer;

import java.util.Arrays;

/**
 * GPT-2's byte-to-character table ({@code bytes_to_unicode}): every byte gets a printable character so that a
 * byte-level vocabulary can be written as JSON strings. Printable Latin-1 bytes map to themselves; the other 68
 * (control characters, space, DEL, NBSP, soft hyphen) map to U+0100 onwards, which is why a space shows as
 * {@code Ġ} in Hugging Face vocabularies. The table is fixed: changing it breaks every tokenizer.json.
 */
public final class ByteLevelAlphabet {
  private static final char[] BYTE_TO_CHAR = new char[256];
  private static final int[] CHAR_TO_BYTE = new int[512];

  static {
    Arrays.fill(CHAR_TO_BYTE, -1);
    int extra = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      char c = printable ? (char) b : (char) (256 + extra++);
      BYTE_TO_CHAR[b] = c;
      CHAR_TO_BYTE[c] = b;
    }
  }

  private ByteLevelAlphabet() {}

  public static char charOf(int unsignedByte) {
    return BYTE_TO_CHAR[unsignedByte];
  }

  /** The vocabulary spelling of raw bytes, e.g. {@code " the"} as UTF-8 becomes {@code "Ġthe"}. */
  public static String encode(byte[] bytes) {
    char[] out = new char[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
    }
    return new String(out);
  }

  /** The bytes behind a vocabulary spelling; fails on a character outside the table. */
  public static byte[] decode(String spelled) {
    byte[] out = new byte[spelled.length()];
    for (int i = 0; i < spelled.length(); i++) {
      char c = spelled.charAt(i);
      int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
      if (b < 0) {
        throw new IllegalArgumentException("'" + spelled + "' is not a byte-level token: U+"
            + Integer.toHexString(c).toUpperCase() + " is outside the byte alphabet");
      }
      out[i] = (byte) b;
    }
    return out;
  }

  /** True when every character of {@code s} is in the table. */
  public static boolean isSpelling(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= CHAR_TO_BYTE.length || CHAR_TO_BYTE[c] < 0) {
        return false;
      }
    }
    return true;
  }
}
