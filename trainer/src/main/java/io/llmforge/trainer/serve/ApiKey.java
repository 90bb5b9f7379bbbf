package io.llmforge.trainer.serve;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The optional bearer key. The comparison is {@link MessageDigest#isEqual} (constant time for equal lengths) on the
 * SHA-256 of both keys, so neither the bytes nor the length of the expected key leak through response timing.
 */
final class ApiKey {
  private static final String BEARER = "Bearer ";
  private final byte[] digest; // null: no key required

  private ApiKey(byte[] digest) {
    this.digest = digest;
  }

  static ApiKey none() {
    return new ApiKey(null);
  }

  static ApiKey of(String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("an API key must not be empty");
    }
    return new ApiKey(sha256(key));
  }

  boolean required() {
    return digest != null;
  }

  /** Whether an {@code Authorization} header value (null if absent) carries the key. */
  boolean allows(String authorization) {
    if (digest == null) {
      return true;
    }
    if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return false;
    }
    return MessageDigest.isEqual(digest, sha256(authorization.substring(BEARER.length()).strip()));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
