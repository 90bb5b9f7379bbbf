package io.llmforge.pipeline.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 as lower-case hex: the identity of tokenizers, shard files and cached rephrasings. */
public final class Sha256 {
  private Sha256() {}

  public static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JVM", e);
    }
  }

  public static String hex(byte[] data) {
    return HexFormat.of().formatHex(digest().digest(data));
  }

  public static String hex(String text) {
    return hex(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Hashes a stream to its end without holding it in memory; the caller closes it. */
  public static String hex(InputStream in) throws IOException {
    MessageDigest md = digest();
    byte[] buffer = new byte[1 << 16];
    int n;
    while ((n = in.read(buffer)) > 0) {
      md.update(buffer, 0, n);
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
