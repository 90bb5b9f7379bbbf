package io.llmforge.dedup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.document.Document;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LshBandsTest {
  @Test
  void oneKeyPerBandThatChangesOnlyWithItsBand() {
    LshBands bands = new LshBands(4, 3);
    long[] signature = new SplittableRandom(5).longs(12).toArray();
    long[] keys = bands.keys(signature);
    assertEquals(4, keys.length);
    assertArrayEquals(keys, bands.keys(signature.clone()));
    long[] changed = signature.clone();
    changed[7]++; // row 1 of band 2
    long[] changedKeys = bands.keys(changed);
    for (int b = 0; b < 4; b++) {
      if (b == 2) {
        assertNotEquals(keys[b], changedKeys[b]);
      } else {
        assertEquals(keys[b], changedKeys[b]);
      }
    }
    assertEquals(0, bands.keys(MinHashSignatures.EMPTY).length);
    assertThrows(IllegalArgumentException.class, () -> bands.keys(new long[11]));
  }

  @Test
  void equalValuesInDifferentBandsGiveDifferentKeys() {
    long[] constant = new long[12];
    Arrays.fill(constant, 99);
    long[] keys = new LshBands(4, 3).keys(constant);
    assertEquals(4, Arrays.stream(keys).distinct().count());
  }

  @Test
  void candidateProbabilityIsAnSCurve() {
    LshBands bands = new LshBands(20, 6);
    assertEquals(0.0, bands.candidateProbability(0.0), 1e-12);
    assertEquals(1.0, bands.candidateProbability(1.0), 1e-12);
    double previous = 0;
    for (double j = 0.05; j <= 1.0; j += 0.05) {
      double p = bands.candidateProbability(j);
      assertTrue(p > previous, "monotone at " + j);
      previous = p;
    }
    assertEquals(0.9977, bands.candidateProbability(0.8), 1e-4); // the default: recall at the threshold
    assertEquals(0.2702, bands.candidateProbability(0.5), 1e-4);
    assertEquals(Math.pow(1.0 / 20, 1.0 / 6), bands.steepestSimilarity(), 1e-12);
    // The S shape: steepest around the steepest similarity, flat at both ends.
    double slopeMiddle = bands.candidateProbability(0.65) - bands.candidateProbability(0.55);
    double slopeLow = bands.candidateProbability(0.15) - bands.candidateProbability(0.05);
    double slopeHigh = bands.candidateProbability(1.0) - bands.candidateProbability(0.9);
    assertTrue(slopeMiddle > 10 * slopeLow && slopeMiddle > 10 * slopeHigh);
  }

  /**
   * The S-curve holds for real signatures: pairs of planted near-duplicates, binned by exact Jaccard, share a
   * band about as often as 1 - (1 - J^r)^b predicts (fixed seed; tolerance covers binomial noise and
   * one-permutation hashing's slightly correlated buckets).
   */
  @Test
  void realSignaturesFollowTheCurve() {
    LshBands bands = new LshBands(8, 8);
    NearDuplicateCorpus corpus = NearDuplicateCorpus.of(TestCorpora.synthetic(400, 11),
        new NearDuplicateCorpus.Spec(11, 80, 200, 0.5, 0.3, 1.0, 5));
    List<String> texts = corpus.documents(1500).stream().map(Document::text).toList();
    int bins = 7; // [0.3,0.4) ... [0.9,1.0]
    int[] total = new int[bins];
    int[] hits = new int[bins];
    double[] expected = new double[bins];
    try (MinHashSignatures signatures = new MinHashSignatures(5, bands.numHashes());
        ShingleSets sets = new ShingleSets(5)) {
      for (int i = 0; i < texts.size(); i++) {
        var base = corpus.baseOf(i);
        if (base.isEmpty()) {
          continue;
        }
        String a = texts.get(base.get().intValue());
        String b = texts.get(i);
        double j = Jaccard.exact(sets.of(a), sets.of(b));
        if (j < 0.3) {
          continue;
        }
        int bin = Math.min(bins - 1, (int) ((j - 0.3) * 10));
        total[bin]++;
        expected[bin] += bands.candidateProbability(j);
        long[] ka = bands.keys(signatures.signature(a));
        long[] kb = bands.keys(signatures.signature(b));
        for (int k = 0; k < ka.length; k++) {
          if (ka[k] == kb[k]) {
            hits[bin]++;
            break;
          }
        }
      }
    }
    for (int bin = 0; bin < bins; bin++) {
      assertTrue(total[bin] >= 30, "bin " + bin + " has " + total[bin] + " pairs");
      double observed = (double) hits[bin] / total[bin];
      double predicted = expected[bin] / total[bin];
      double tolerance = 3 * Math.sqrt(predicted * (1 - predicted) / total[bin]) + 0.06;
      assertEquals(predicted, observed, tolerance, "similarity bin " + (0.3 + bin / 10.0));
    }
  }
}
