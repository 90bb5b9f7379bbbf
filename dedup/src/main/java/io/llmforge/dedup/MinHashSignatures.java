package io.llmforge.dedup;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

/**
 * Text to MinHash signature through Lucene's analysis chain ({@link ShingleAnalyzer}): {@code numHashes}
 * longs, position i holding the minimum shingle hash of bucket i. Two documents' signatures agree at a
 * position with probability close to the Jaccard similarity of their shingle sets.
 *
 * <p>{@code MinHashFilter} emits each minimum as a token of 8 chars, each char carrying 16 bits of the
 * 128-bit hash (chars 0-3 the high word, 4-7 the low word). Those chars are arbitrary 16-bit values,
 * unpaired surrogates included, so they are decoded from the char buffer directly: a detour through
 * {@code String.getBytes} would replace invalid surrogates with '?' and merge different hashes.
 *
 * <p>Thread-safe. Cheap to create, but each instance holds Lucene token streams: make one per task.
 */
public final class MinHashSignatures implements AutoCloseable {
  /** The signature of a document without a single token (empty or punctuation only). */
  public static final long[] EMPTY = new long[0];
  static final int TOKEN_CHARS = 8;

  private final int numHashes;
  private final ShingleAnalyzer analyzer;

  public MinHashSignatures(int shingleSize, int numHashes) {
    if (numHashes < 1) {
      throw new IllegalArgumentException("numHashes must be at least 1, got " + numHashes);
    }
    this.numHashes = numHashes;
    this.analyzer = new ShingleAnalyzer(shingleSize, numHashes);
  }

  public int numHashes() {
    return numHashes;
  }

  /** The signature of {@code text}: {@link #numHashes()} values, or {@link #EMPTY} when it has no words. */
  public long[] signature(String text) {
    long[] signature = new long[numHashes];
    int n = 0;
    try (TokenStream tokens = analyzer.tokenStream("text", text)) {
      CharTermAttribute term = tokens.addAttribute(CharTermAttribute.class);
      tokens.reset();
      while (tokens.incrementToken()) {
        if (n == numHashes) {
          throw new IllegalStateException("MinHashFilter emitted more than " + numHashes + " values");
        }
        signature[n++] = decode(term.buffer(), term.length());
      }
      tokens.end();
    } catch (IOException e) {
      throw new UncheckedIOException("reading a String cannot fail", e);
    }
    if (n == 0) {
      return EMPTY;
    }
    if (n != numHashes) {
      // With rotation every bucket is filled as soon as there is one shingle; anything else is a Lucene change.
      throw new IllegalStateException("MinHashFilter emitted " + n + " values, expected " + numHashes);
    }
    return signature;
  }

  /**
   * One 64-bit value from an 8-char MinHashFilter token: the high and low words of its 128-bit hash, XORed.
   * The high word alone would do poorly: its top bits are the bucket number, so equal within a position.
   */
  static long decode(char[] token, int length) {
    if (length != TOKEN_CHARS) {
      throw new IllegalArgumentException("MinHashFilter token of " + length + " chars, expected " + TOKEN_CHARS);
    }
    return high(token) ^ low(token);
  }

  /** Bits 127..64 of the hash: chars 0-3, most significant first. */
  static long high(char[] token) {
    return word(token, 0);
  }

  /** Bits 63..0 of the hash: chars 4-7, most significant first. */
  static long low(char[] token) {
    return word(token, 4);
  }

  private static long word(char[] token, int from) {
    return (long) token[from] << 48 | (long) token[from + 1] << 32 | (long) token[from + 2] << 16 | token[from + 3];
  }

  @Override
  public void close() {
    analyzer.close();
  }
}
