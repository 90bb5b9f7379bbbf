package io.llmforge.trainer.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {
  static final double[] LOGITS = {Math.log(0.1), Math.log(0.5), Math.log(0.3), Math.log(0.1)};

  @Test
  void greedyAndTopOneTakeTheArgMax() {
    Random random = new Random(1);
    assertEquals(1, Sampler.greedy().sample(LOGITS, random));
    for (int i = 0; i < 100; i++) {
      assertEquals(1, new Sampler(1.0, 1, 1.0).sample(LOGITS, random));
    }
  }

  @Test
  void unfilteredSamplingFollowsTheSoftmax() {
    Sampler sampler = new Sampler(1.0, 0, 1.0);
    assertArrayEquals(new double[] {0.1, 0.5, 0.3, 0.1}, sampler.probabilities(LOGITS), 1e-12);
    Random random = new Random(2);
    int[] counts = new int[4];
    int draws = 20_000;
    for (int i = 0; i < draws; i++) {
      counts[sampler.sample(LOGITS, random)]++;
    }
    assertEquals(0.5, counts[1] / (double) draws, 0.02);
    assertEquals(0.3, counts[2] / (double) draws, 0.02);
  }

  @Test
  void topKAndTopPRenormaliseWhatTheyKeep() {
    assertArrayEquals(new double[] {0, 0.625, 0.375, 0}, new Sampler(1.0, 2, 1.0).probabilities(LOGITS), 1e-12);
    // 0.5 alone is below 0.7, 0.5 + 0.3 reaches it: keep two tokens.
    assertArrayEquals(new double[] {0, 0.625, 0.375, 0}, new Sampler(1.0, 0, 0.7).probabilities(LOGITS), 1e-12);
    assertArrayEquals(new double[] {0, 1, 0, 0}, new Sampler(1.0, 0, 0.01).probabilities(LOGITS), 1e-12);
  }

  @Test
  void lowTemperatureSharpens() {
    double[] cold = new Sampler(0.25, 0, 1.0).probabilities(LOGITS);
    assertTrue(cold[1] > 0.85, "p(argmax) at T=0.25 is " + cold[1]);
  }

  static final double[] SCORES = {2.0, 1.8, -1.0, -1.2, 0.0};

  @Test
  void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenIds() {
    Sampler sampler = Sampler.greedy().withRepetitionPenalty(1.5);
    // ids 0, 2 and 4 seen (0 three times: penalised once); 1 and 3 not
    int[] context = {0, 2, 0, 4, 0};
    assertArrayEquals(new double[] {2.0 / 1.5, 1.8, -1.5, -1.2, 0.0}, sampler.adjust(SCORES, context, 5), 1e-15);
    assertEquals(0, Sampler.greedy().sample(SCORES, context, 5, new Random(1)), "no penalty: the arg max");
    assertEquals(1, sampler.sample(SCORES, context, 5, new Random(1)), "2 / 1.5 < 1.8: the penalty moves it");
    // only context[0, contextLength) counts
    assertEquals(0, sampler.sample(SCORES, new int[] {1, 0}, 1, new Random(1)), "1 penalised, 0 not");
    // a negative logit moves further down: among {-1.0, -1.2}, seen -1.0 becomes -1.5
    double[] negative = {-1.0, -1.2};
    assertEquals(0, sampler.sample(negative, new int[0], 0, new Random(1)));
    assertEquals(1, sampler.sample(negative, new int[] {0}, 1, new Random(1)));
    // a penalty below 1 encourages repeats
    assertEquals(1, Sampler.greedy().withRepetitionPenalty(0.5).sample(SCORES, new int[] {1}, 1, new Random(1)));
    // sampling sees the penalised distribution
    double[] p = new Sampler(1.0, 0, 1.0, 1.5, Map.of()).probabilities(SCORES, context, 5);
    double[] q = new Sampler(1.0, 0, 1.0).probabilities(sampler.adjust(SCORES, context, 5));
    assertArrayEquals(q, p, 1e-15);
  }

  @Test
  void exemptIdsKeepTheirLogitUnderTheRepetitionPenalty() {
    Sampler penalised = Sampler.greedy().withRepetitionPenalty(2.0);
    Sampler exempt = penalised.withPenaltyExempt(Set.of(0));
    int[] context = {0, 1, 0};
    assertArrayEquals(new double[] {1.0, 0.9, -1.0, -1.2, 0.0}, penalised.adjust(SCORES, context, 3), 1e-15);
    assertArrayEquals(new double[] {2.0, 0.9, -1.0, -1.2, 0.0}, exempt.adjust(SCORES, context, 3), 1e-15);
    assertEquals(1, penalised.sample(SCORES, new int[] {0}, 1, new Random(1)), "0 penalised: 1.0 < 1.8");
    assertEquals(0, exempt.sample(SCORES, new int[] {0}, 1, new Random(1)), "0 exempt: keeps 2.0 and wins");
    assertEquals(exempt, exempt.withLogitBias(Map.of()).withRepetitionPenalty(2.0), "the exemption is kept");
    Sampler sparing = exempt.sparing(Set.of(1));
    assertEquals(Set.of(0, 1), sparing.penaltyExempt(), "stop ids join the exempt ids");
    assertArrayEquals(new double[] {2.0, 1.8, -1.0, -1.2, 0.0}, sparing.adjust(SCORES, context, 3), 1e-15);
    assertEquals(Sampler.greedy(), Sampler.greedy().sparing(Set.of(1)), "no penalty: nothing to spare");
  }

  @Test
  void logitBiasIsAddedBeforeGreedyAndSampling() {
    assertEquals(4, Sampler.greedy().withLogitBias(Map.of(4, 5.0)).sample(SCORES, new Random(1)), "+5 wins");
    assertEquals(1, Sampler.greedy().withLogitBias(Map.of(0, -100.0)).sample(SCORES, new Random(1)), "-100 bans");
    assertArrayEquals(new double[] {2.0, 1.8, -1.0, -1.2, 5.0},
        Sampler.greedy().withLogitBias(Map.of(4, 5.0)).adjust(SCORES, new int[0], 0), 1e-15);
    // penalty first, then bias: (2 / 2) + 0.5
    Sampler both = new Sampler(0, 0, 1, 2.0, Map.of(0, 0.5));
    assertEquals(1.5, both.adjust(SCORES, new int[] {0}, 1)[0], 1e-15);
  }

  @Test
  void aMinusHundredBiasBansATokenFromSampling() {
    Sampler sampler = new Sampler(1.0, 0, 1.0).withLogitBias(Map.of(1, -100.0)); // the most likely token
    assertTrue(sampler.probabilities(LOGITS)[1] < 1e-40);
    Random random = new Random(3);
    int[] counts = new int[4];
    for (int i = 0; i < 20_000; i++) {
      counts[sampler.sample(LOGITS, new int[] {2}, 1, random)]++;
    }
    assertEquals(0, counts[1]);
    assertEquals(0.6, counts[2] / 20_000.0, 0.02, "the others renormalise: 0.3 / 0.5");
  }

  @Test
  void oldEntryPointIsTheNewOneWithoutContext() {
    Sampler sampler = new Sampler(0.8, 3, 0.9, 1.7, Map.of(3, 0.4));
    Random a = new Random(5);
    Random b = new Random(5);
    for (int i = 0; i < 200; i++) {
      assertEquals(sampler.sample(LOGITS, a), sampler.sample(LOGITS, new int[] {0, 1, 2}, 0, b));
    }
    assertEquals(new Sampler(1, 0, 1, 1.0, Map.of()), new Sampler(1, 0, 1));
    assertArrayEquals(new double[] {0, 1, 0, 0}, Sampler.greedy().probabilities(LOGITS), 0);
  }

  @Test
  void rejectsBadSettingsAndInput() {
    for (double penalty : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new Sampler(1, 0, 1, penalty, Map.of()));
      assertTrue(e.getMessage().contains("repetition penalty"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 1, 1, Map.of(-1, 1.0)));
    assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 1, 1, Map.of(2, Double.NaN)));
    Map<Integer, Double> withNull = new HashMap<>();
    withNull.put(2, null);
    assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 1, 1, withNull));
    assertThrows(IllegalArgumentException.class, () -> new Sampler(-1, 0, 1));
    Sampler penalised = Sampler.greedy().withRepetitionPenalty(1.2);
    Random random = new Random(1);
    assertThrows(IllegalArgumentException.class, () -> penalised.sample(LOGITS, new int[] {4}, 1, random));
    assertThrows(IllegalArgumentException.class, () -> penalised.sample(LOGITS, new int[] {1}, 2, random));
    assertThrows(IllegalArgumentException.class,
        () -> Sampler.greedy().withLogitBias(Map.of(4, 1.0)).sample(LOGITS, random), "id 4 is outside vocab 4");
    Map<Integer, Double> bias = new HashMap<>(Map.of(1, 1.0));
    Sampler copy = Sampler.greedy().withLogitBias(bias);
    bias.put(2, 50.0);
    assertEquals(Map.of(1, 1.0), copy.logitBias(), "the sampler keeps its own copy");
  }
}
