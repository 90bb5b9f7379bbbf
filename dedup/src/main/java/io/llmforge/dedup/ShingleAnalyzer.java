package io.llmforge.dedup;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.minhash.MinHashFilter;
import org.apache.lucene.analysis.shingle.ShingleFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;

/**
 * The Lucene analysis chain that defines what a document's shingles are: Unicode word segmentation
 * ({@link StandardTokenizer}), lower case, then word n-grams ({@link ShingleFilter}, unigrams off, so that
 * "the" alone never makes two documents similar), and optionally {@link MinHashFilter} on top.
 *
 * <p>Signatures and exact shingle sets go through this one chain, so the MinHash estimate and the exact
 * Jaccard used for verification and evaluation measure the same sets. A document shorter than the shingle
 * size is represented by its words ({@code outputUnigramsIfNoShingles}), so it still has a signature.
 *
 * <p>MinHash is configured as one-permutation hashing: one 128-bit murmur3 hash per shingle, {@code numHashes}
 * buckets over the hash range, the minimum of each bucket kept, and empty buckets filled from the next
 * non-empty one ("rotation"). That costs one hash per shingle instead of one per shingle and MinHash value,
 * and always yields exactly {@code numHashes} values for a non-empty document.
 *
 * <p>Thread-safe: Lucene's analyzer keeps one reusable token stream per thread.
 */
final class ShingleAnalyzer extends Analyzer {
  private final int shingleSize;
  private final int numHashes;

  /** @param numHashes 0 for the shingles themselves, else the number of MinHash values to emit */
  ShingleAnalyzer(int shingleSize, int numHashes) {
    if (shingleSize < 1) {
      throw new IllegalArgumentException("shingle size must be at least 1, got " + shingleSize);
    }
    this.shingleSize = shingleSize;
    this.numHashes = numHashes;
  }

  @Override
  protected TokenStreamComponents createComponents(String fieldName) {
    Tokenizer source = new StandardTokenizer();
    TokenStream stream = new LowerCaseFilter(source);
    if (shingleSize > 1) {
      ShingleFilter shingles = new ShingleFilter(stream, shingleSize, shingleSize);
      shingles.setOutputUnigrams(false);
      shingles.setOutputUnigramsIfNoShingles(true);
      stream = shingles;
    }
    if (numHashes > 0) {
      stream = new MinHashFilter(stream, 1, numHashes, 1, true);
    }
    return new TokenStreamComponents(source, stream);
  }
}
