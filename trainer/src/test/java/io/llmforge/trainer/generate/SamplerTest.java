package io.llmforge.trainer.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
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
}
