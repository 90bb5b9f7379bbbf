package io.llmforge.pipeline.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.extract.ExtractionMetrics.Score;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-computed cases for the benchmark's metric; see evaluate.py's string_shingle_matching. */
class ExtractionMetricsTest {
  private static final double EPS = 1e-12;

  @Test
  void tokensAreRunsOfPythonWordCharacters() {
    assertEquals(List.of("Hello", "world_1", "çà", "漢字", "½"),
        ExtractionMetrics.tokens("Hello, world_1 — çà/漢字 ½!"));
    // A combining accent is category Mn, which Python's \w does not match: it splits the token.
    assertEquals(List.of("e", "t"), ExtractionMetrics.tokens("e\u0301t"));
    assertEquals(List.of(), ExtractionMetrics.tokens(" ... !!! "));
    assertEquals(List.of(), ExtractionMetrics.tokens(null));
    // Emoji are not word characters.
    assertEquals(List.of("a", "b"), ExtractionMetrics.tokens("a😀b"));
  }

  @Test
  void identicalTextsScoreOne() {
    Score s = ExtractionMetrics.score("one two three four five", "one two three four five");
    assertScore(1, 1, 1, s);
  }

  @Test
  void oneWrongTokenAtTheEndCostsOneShingleEachWay() {
    // truth shingles {a b c d, b c d e}; predicted {a b c d, b c d x}: tp 1, fp 1, fn 1.
    assertScore(0.5, 0.5, 0.5, ExtractionMetrics.score("a b c d x", "a b c d e"));
  }

  @Test
  void punctuationAndSpacingDoNotMatter() {
    assertScore(1, 1, 1, ExtractionMetrics.score("a, b. c\n\nd!", "a b c d"));
  }

  @Test
  void caseMatters() {
    assertScore(0, 0, 0, ExtractionMetrics.score("the cat sat down", "The cat sat down"));
  }

  @Test
  void textsShorterThanAShingleAreOneShorterShingle() {
    assertScore(1, 1, 1, ExtractionMetrics.score("a b", "a b"));
    // (a b c) vs (a b): different shingles, nothing in common.
    assertScore(0, 0, 0, ExtractionMetrics.score("a b c", "a b"));
  }

  @Test
  void shinglesAreCountedAsAMultiset() {
    // truth: abcd, bcda, cdab, dabc, abcd (5); predicted: abcd (1). tp 1, fp 0, fn 4.
    Score s = ExtractionMetrics.score("a b c d", "a b c d a b c d");
    assertScore(1.0, 0.2, 2 * 0.2 / 1.2, s);
  }

  @Test
  void emptyPredictionHasNoPrecisionAndZeroRecall() {
    Score s = ExtractionMetrics.score("", "some words of truth");
    assertTrue(Double.isNaN(s.precision()));
    assertEquals(0.0, s.recall(), EPS);
    assertEquals(0.0, s.f1(), EPS);
    // Punctuation only is empty too: it has no token.
    assertTrue(Double.isNaN(ExtractionMetrics.score(" -- ", "truth").precision()));
    assertTrue(Double.isNaN(ExtractionMetrics.score(null, "truth").precision()));
  }

  @Test
  void emptyTruthHasZeroPrecisionAndNoRecall() {
    Score s = ExtractionMetrics.score("predicted words here", "");
    assertEquals(0.0, s.precision(), EPS);
    assertTrue(Double.isNaN(s.recall()));
    assertEquals(0.0, s.f1(), EPS);
  }

  @Test
  void bothEmptyAgree() {
    Score s = ExtractionMetrics.score("", "");
    assertTrue(Double.isNaN(s.precision()));
    assertTrue(Double.isNaN(s.recall()));
    assertEquals(1.0, s.f1(), EPS);
  }

  @Test
  void meanSkipsUndefinedValuesAndTakesTheHarmonicMeanOfTheMeans() {
    Score mean = ExtractionMetrics.mean(List.of(
        new Score(1, 1, 1),
        new Score(Double.NaN, 0, 0), // empty prediction: counts for recall only
        new Score(0.5, 0.5, 0.5)));
    double p = (1 + 0.5) / 2;
    double r = (1 + 0 + 0.5) / 3;
    assertScore(p, r, 2 * p * r / (p + r), mean);
  }

  @Test
  void meanOfNothingIsRejectedAndAllUndefinedIsNaN() {
    assertThrows(IllegalArgumentException.class, () -> ExtractionMetrics.mean(List.of()));
    Score s = ExtractionMetrics.mean(List.of(new Score(Double.NaN, 0, 0)));
    assertTrue(Double.isNaN(s.precision()));
    assertTrue(Double.isNaN(s.f1()));
  }

  @Test
  void scoreRejectsValuesOutsideTheUnitInterval() {
    assertThrows(IllegalArgumentException.class, () -> new Score(1.5, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new Score(0, -0.1, 0));
  }

  @Test
  void exactMatchComparesTokenSequences() {
    assertTrue(ExtractionMetrics.exactMatch("Hello, world!", "Hello world"));
    assertFalse(ExtractionMetrics.exactMatch("Hello world", "world Hello"));
    assertTrue(ExtractionMetrics.exactMatch("", "..."));
  }

  private static void assertScore(double p, double r, double f1, Score s) {
    assertEquals(p, s.precision(), EPS, "precision");
    assertEquals(r, s.recall(), EPS, "recall");
    assertEquals(f1, s.f1(), EPS, "f1");
  }
}
