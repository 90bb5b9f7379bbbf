package io.llmforge.dedup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.LongConsumer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

/**
 * What a document's shingles are, as 64-bit hashes: every run of {@code size} consecutive words of
 * {@link WordAnalyzer} (Lucene's word segmentation, lower case). Signatures ({@link MinHashSignatures}) and exact
 * shingle sets ({@link ShingleSets}) both come from here, so the MinHash estimate and the exact Jaccard used for
 * verification and evaluation measure the same sets.
 *
 * <p>A shingle's hash is an ordered hash of its words' hashes ({@link Hash64#of(long, long[], int, int)}), so no
 * shingle string is ever built: each word is hashed once, straight from Lucene's term buffer, and a shingle
 * costs one mix of {@code size} longs. A text with fewer words than {@code size} is represented by its words
 * (one-word shingles, hashed with their length so they never equal a longer shingle), so it still has a
 * signature; a text without words has no shingles.
 *
 * <p>Thread-safe: the per-call window is local and the analyzer keeps one token stream per thread.
 */
final class ShingleHasher implements AutoCloseable {
  /** Seed of the shingle hash: keeps shingle hashes apart from band keys, which hash with the band number. */
  static final long SEED = 0x5348494E474C45L;

  private final int size;
  private final WordAnalyzer analyzer = new WordAnalyzer();

  ShingleHasher(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("shingle size must be at least 1, got " + size);
    }
    this.size = size;
  }

  int size() {
    return size;
  }

  /** Hands each shingle hash of {@code text} to {@code sink}, in text order, repeats included. */
  void forEach(String text, LongConsumer sink) {
    long[] window = new long[size]; // the last `size` word hashes, oldest first
    long words = 0;
    try (TokenStream tokens = analyzer.tokenStream("text", text)) {
      CharTermAttribute term = tokens.addAttribute(CharTermAttribute.class);
      tokens.reset();
      while (tokens.incrementToken()) {
        long word = Hash64.of(term.buffer(), term.length());
        if (words < size) {
          window[(int) words] = word;
        } else {
          System.arraycopy(window, 1, window, 0, size - 1);
          window[size - 1] = word;
        }
        words++;
        if (words >= size) {
          sink.accept(Hash64.of(SEED, window, 0, size));
        }
      }
      tokens.end();
    } catch (IOException e) {
      throw new UncheckedIOException("reading a String cannot fail", e);
    }
    for (int i = 0; words < size && i < words; i++) {
      sink.accept(Hash64.of(SEED, window, i, 1));
    }
  }

  /**
   * The number of words of {@code text}: the analysis chain alone, without any hashing. The benchmark's
   * practical limit for the signature stage.
   */
  long words(String text) {
    long words = 0;
    try (TokenStream tokens = analyzer.tokenStream("text", text)) {
      tokens.reset();
      while (tokens.incrementToken()) {
        words++;
      }
      tokens.end();
    } catch (IOException e) {
      throw new UncheckedIOException("reading a String cannot fail", e);
    }
    return words;
  }

  @Override
  public void close() {
    analyzer.close();
  }
}
