package io.llmforge.pipeline.text;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The hashes that identify a document. {@code content_sha1} is taken over a dedup-normalised form of the text
 * (lower case, every run of non-letters/digits as one space) so that copies differing only in case,
 * punctuation or spacing are exact duplicates; {@code doc_id} combines it with the URL, so the same text at two
 * URLs keeps two ids while exact dedup still sees one content.
 */
public final class ContentHash {
  private ContentHash() {}

  public static String contentSha1(String text) {
    return hex(digest("SHA-1", dedupForm(text)));
  }

  /** 128 bits of SHA-256 over url and content digest: collision-free in practice at web scale. */
  public static String docId(String url, String contentSha1) {
    String key = (url == null ? "" : url) + "\n" + contentSha1;
    return hex(digest("SHA-256", key)).substring(0, 32);
  }

  static String dedupForm(String text) {
    StringBuilder sb = new StringBuilder(text.length());
    boolean gap = false;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (Character.isLetterOrDigit(cp) || Character.getType(cp) == Character.OTHER_SYMBOL) {
        if (gap && sb.length() > 0) {
          sb.append(' ');
        }
        gap = false;
        sb.appendCodePoint(cp);
      } else {
        gap = true;
      }
    }
    return sb.toString().toLowerCase(Locale.ROOT);
  }

  private static byte[] digest(String algorithm, String s) {
    try {
      return MessageDigest.getInstance(algorithm).digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is required by every JVM", e);
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
