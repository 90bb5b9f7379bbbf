package io.llmforge.dedup;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.standard.StandardTokenizer;

/**
 * The words a document's shingles are made of: Lucene's Unicode word segmentation ({@link StandardTokenizer},
 * UAX #29), then lower case. Punctuation and spacing are not words, so "Fox, jumps" and "fox jumps" agree.
 *
 * <p>Thread-safe: Lucene's analyzer keeps one reusable token stream per thread.
 */
final class WordAnalyzer extends Analyzer {
  @Override
  protected TokenStreamComponents createComponents(String fieldName) {
    Tokenizer source = new StandardTokenizer();
    TokenStream words = new LowerCaseFilter(source);
    return new TokenStreamComponents(source, words);
  }
}
