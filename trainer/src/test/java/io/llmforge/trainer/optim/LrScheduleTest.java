package io.llmforge.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LrScheduleTest {
  final LrSchedule schedule = new LrSchedule(1e-3, 1e-4, 10, 110);

  @Test
  void linearWarmupLikeNanoGpt() {
    assertEquals(1e-3 * 1 / 11, schedule.at(0), 1e-15);
    assertEquals(1e-3 * 5 / 11, schedule.at(4), 1e-15);
    assertEquals(1e-3 * 10 / 11, schedule.at(9), 1e-15);
  }

  @Test
  void cosineFromPeakToMin() {
    assertEquals(1e-3, schedule.at(10), 1e-15);                  // end of warmup: peak
    assertEquals((1e-3 + 1e-4) / 2, schedule.at(60), 1e-15);     // half way: mean of peak and min
    assertEquals(1e-4 + 0.5 * (1 + Math.cos(Math.PI * 0.25)) * 9e-4, schedule.at(35), 1e-15);
    assertEquals(1e-4, schedule.at(110), 1e-15);                 // end of decay: min
    assertEquals(1e-4, schedule.at(1_000_000), 0.0);             // and after
  }

  @Test
  void monotoneAfterWarmup() {
    for (int step = 10; step < 120; step++) {
      assertTrue(schedule.at(step + 1) <= schedule.at(step), "step " + step);
    }
  }
}
