package io.llmforge.dedup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.minhash.LuceneMinHashReference;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.junit.jupiter.api.Test;

class MinHashSignaturesTest {
  private static final String TEXT = "The quick brown fox jumps over the lazy dog while the farmers repair the old "
      + "stone bridge near the river, because the winter floods destroyed the wooden one last year.";

  @Test
  void decodesTheCharsOfATokenIntoTheHashWords() {
    SplittableRandom random = new SplittableRandom(1);
    for (int k = 0; k < 1000; k++) {
      long high = random.nextLong();
      long low = random.nextLong();
      char[] token = {(char) (high >> 48), (char) (high >> 32), (char) (high >> 16), (char) high,
          (char) (low >> 48), (char) (low >> 32), (char) (low >> 16), (char) low}; // MinHashFilter's packing
      assertEquals(high, MinHashSignatures.high(token));
      assertEquals(low, MinHashSignatures.low(token));
      assertEquals(high ^ low, MinHashSignatures.decode(token, 8));
    }
  }

  @Test
  void signatureEqualsMinimaRecomputedFromLuceneMurmur() {
    int buckets = 64;
    long[][] minima = LuceneMinHashReference.minima(terms(new ShingleAnalyzer(5, 0), TEXT), buckets);
    long[] expected = new long[buckets];
    for (int b = 0; b < buckets; b++) {
      expected[b] = minima[b][0] ^ minima[b][1];
    }
    try (MinHashSignatures signatures = new MinHashSignatures(5, buckets)) {
      assertArrayEquals(expected, signatures.signature(TEXT));
    }
  }

  @Test
  void tokensCarryUnpairedSurrogatesThatAStringRoundTripWouldDestroy() {
    List<String> tokens = terms(new ShingleAnalyzer(5, 256), TEXT);
    assertEquals(256, tokens.size());
    int surrogates = 0;
    int corrupted = 0;
    for (String token : tokens) {
      surrogates += (int) token.chars().filter(c -> Character.isSurrogate((char) c)).count();
      String roundTrip = new String(token.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
      if (!roundTrip.equals(token)) {
        corrupted++;
      }
    }
    assertTrue(surrogates > 0, "256 tokens of random 16-bit chars should contain surrogates");
    assertTrue(corrupted > 0, "decoding through String bytes would have merged different hashes");
  }

  @Test
  void emptyAndShortTexts() {
    try (MinHashSignatures signatures = new MinHashSignatures(5, 32)) {
      assertSame(MinHashSignatures.EMPTY, signatures.signature(""));
      assertSame(MinHashSignatures.EMPTY, signatures.signature(" ... --- !!! "));
      long[] shortText = signatures.signature("three short words");
      assertEquals(32, shortText.length, "fewer words than the shingle size still give a signature");
      assertNotEquals(0, shortText[0]);
    }
  }

  @Test
  void caseAndPunctuationDoNotChangeTheSignature() {
    try (MinHashSignatures signatures = new MinHashSignatures(5, 64)) {
      assertArrayEquals(signatures.signature(TEXT), signatures.signature(TEXT.toUpperCase().replace(",", " ;")));
      assertArrayEquals(signatures.signature(TEXT), new MinHashSignatures(5, 64).signature(TEXT));
    }
  }

  /**
   * The estimate is unbiased and its error shrinks like sqrt(J(1-J)/k): checked on planted pairs of every
   * similarity, with a fixed seed. One-permutation hashing with rotation is slightly noisier than k independent
   * hashes for short documents, hence bounds a little wider than the binomial ones.
   */
  @Test
  void estimateTracksExactJaccard() {
    int k = 128;
    NearDuplicateCorpus corpus = NearDuplicateCorpus.of(TestCorpora.synthetic(300, 3),
        new NearDuplicateCorpus.Spec(3, 60, 200, 0.5, 0.3, 1.0, 5));
    double sumError = 0;
    double sumAbsError = 0;
    int beyond3Sigma = 0;
    int pairs = 0;
    try (MinHashSignatures signatures = new MinHashSignatures(5, k); ShingleSets sets = new ShingleSets(5)) {
      for (long i = 0; i < 1200 && pairs < 400; i++) {
        var base = corpus.baseOf(i);
        if (base.isEmpty()) {
          continue;
        }
        String a = corpus.text(base.get());
        String b = corpus.text(i);
        double exact = Jaccard.exact(sets.of(a), sets.of(b));
        double estimate = Jaccard.estimate(signatures.signature(a), signatures.signature(b));
        double sigma = Math.sqrt(exact * (1 - exact) / k);
        sumError += estimate - exact;
        sumAbsError += Math.abs(estimate - exact);
        if (Math.abs(estimate - exact) > 3 * sigma + 1e-9) {
          beyond3Sigma++;
        }
        pairs++;
      }
    }
    assertEquals(400, pairs);
    assertTrue(Math.abs(sumError / pairs) < 0.01, "bias " + sumError / pairs);
    assertTrue(sumAbsError / pairs < 0.04, "mean absolute error " + sumAbsError / pairs);
    assertTrue(beyond3Sigma <= pairs * 0.03, beyond3Sigma + " of " + pairs + " pairs beyond 3 sigma");
  }

  private static List<String> terms(ShingleAnalyzer analyzer, String text) {
    List<String> terms = new ArrayList<>();
    try (analyzer; TokenStream tokens = analyzer.tokenStream("text", text)) {
      CharTermAttribute term = tokens.addAttribute(CharTermAttribute.class);
      tokens.reset();
      while (tokens.incrementToken()) {
        terms.add(term.toString());
      }
      tokens.end();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return terms;
  }
}
