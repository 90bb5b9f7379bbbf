package io.llmforge.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.shingle.ShingleFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.junit.jupiter.api.Test;

/**
 * The hasher against the plain definition: Lucene's own {@link ShingleFilter} builds each shingle as a string
 * ("w1 w2 w3 w4 w5", unigrams only when there is no shingle), and the reference hashes that string's words the
 * way a shingle is defined. Same sequence, repeats and order included.
 */
class ShingleHasherTest {
  private static final List<String> TEXTS = List.of(
      "The quick brown fox jumps over the lazy dog while the farmers repair the old stone bridge.",
      "The QUICK, brown fox; jumps over... the lazy dog while the farmers repair the old stone bridge!",
      "three short words",
      "one",
      "",
      " ... --- !!! ",
      "Ünïcödé wörds, 東京の天気は晴れ, emoji 🙂 between words, numbers 3.14 and e-mail a@b.example here",
      "repeat repeat repeat repeat repeat repeat repeat repeat",
      "x".repeat(600) + " long tokens are split by the tokenizer at 255 chars");

  @Test
  void shinglesAreLuceneShingleFilterShinglesHashedWordByWord() {
    for (int size : new int[] {1, 2, 5}) {
      try (ShingleHasher hasher = new ShingleHasher(size)) {
        for (String text : TEXTS) {
          List<Long> fast = new ArrayList<>();
          hasher.forEach(text, fast::add);
          assertEquals(reference(text, size), fast, "size " + size + ": " + text);
        }
      }
    }
  }

  @Test
  void wordsCountsTheAnalyzersTokens() {
    try (ShingleHasher hasher = new ShingleHasher(5)) {
      assertEquals(17, hasher.words(TEXTS.get(0)));
      assertEquals(0, hasher.words(" ... --- !!! "));
    }
  }

  @Test
  void aShortTextsWordsNeverEqualALongerShingle() {
    try (ShingleHasher one = new ShingleHasher(1); ShingleHasher five = new ShingleHasher(5)) {
      List<Long> unigrams = new ArrayList<>();
      one.forEach("alpha", unigrams::add);
      List<Long> fallback = new ArrayList<>();
      five.forEach("alpha", fallback::add);
      assertEquals(unigrams, fallback, "fewer words than the size: the words themselves");
      List<Long> shingle = new ArrayList<>();
      five.forEach("alpha beta gamma delta epsilon", shingle::add);
      assertEquals(1, shingle.size());
      assertNotEquals(fallback.get(0), shingle.get(0));
    }
  }

  /** ShingleFilter's strings, each split into words and hashed as {@link ShingleHasher} defines a shingle. */
  private static List<Long> reference(String text, int size) {
    List<Long> hashes = new ArrayList<>();
    for (String shingle : luceneShingles(text, size)) {
      String[] words = shingle.split(" ");
      long[] wordHashes = new long[words.length];
      for (int i = 0; i < words.length; i++) {
        wordHashes[i] = Hash64.of(words[i].toCharArray(), words[i].length());
      }
      hashes.add(Hash64.of(ShingleHasher.SEED, wordHashes, 0, words.length));
    }
    return hashes;
  }

  private static List<String> luceneShingles(String text, int size) {
    Analyzer analyzer = new Analyzer() {
      @Override
      protected TokenStreamComponents createComponents(String fieldName) {
        Tokenizer source = new StandardTokenizer();
        TokenStream stream = new LowerCaseFilter(source);
        if (size > 1) {
          ShingleFilter shingles = new ShingleFilter(stream, size, size);
          shingles.setOutputUnigrams(false);
          shingles.setOutputUnigramsIfNoShingles(true);
          stream = shingles;
        }
        return new TokenStreamComponents(source, stream);
      }
    };
    List<String> terms = new ArrayList<>();
    try (analyzer; TokenStream tokens = analyzer.tokenStream("text", text)) {
      CharTermAttribute term = tokens.addAttribute(CharTermAttribute.class);
      tokens.reset();
      while (tokens.incrementToken()) {
        terms.add(term.toString());
      }
      tokens.end();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return terms;
  }
}
