package io.llmforge.dedup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

/**
 * Text to its set of shingles, each as a 64-bit hash, sorted and distinct: the exact set that MinHash
 * estimates (same {@link ShingleAnalyzer} chain). Used to verify candidates exactly and as the reference in
 * evaluation. With 64-bit hashes two different shingles of a corpus collide with negligible probability.
 *
 * <p>Thread-safe; make one per task.
 */
public final class ShingleSets implements AutoCloseable {
  private final ShingleAnalyzer analyzer;

  public ShingleSets(int shingleSize) {
    this.analyzer = new ShingleAnalyzer(shingleSize, 0);
  }

  /** Sorted, distinct shingle hashes; empty when the text has no words. */
  public long[] of(String text) {
    long[] hashes = new long[64];
    int n = 0;
    try (TokenStream tokens = analyzer.tokenStream("text", text)) {
      CharTermAttribute term = tokens.addAttribute(CharTermAttribute.class);
      tokens.reset();
      while (tokens.incrementToken()) {
        if (n == hashes.length) {
          hashes = Arrays.copyOf(hashes, n * 2);
        }
        hashes[n++] = Hash64.of(term.buffer(), term.length());
      }
      tokens.end();
    } catch (IOException e) {
      throw new UncheckedIOException("reading a String cannot fail", e);
    }
    Arrays.sort(hashes, 0, n);
    int distinct = 0;
    for (int i = 0; i < n; i++) {
      if (distinct == 0 || hashes[i] != hashes[distinct - 1]) {
        hashes[distinct++] = hashes[i];
      }
    }
    return Arrays.copyOf(hashes, distinct);
  }

  @Override
  public void close() {
    analyzer.close();
  }
}
