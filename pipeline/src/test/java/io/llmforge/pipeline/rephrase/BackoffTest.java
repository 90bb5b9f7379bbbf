package io.llmforge.pipeline.rephrase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10));

  @Test
  void growsExponentiallyWithJitterUpToTheCap() {
    Random random = new Random(1);
    for (int attempt = 0; attempt < 12; attempt++) {
      long full = Math.min(10_000, 100L << attempt);
      long d = backoff.delayMillis(attempt, Optional.empty(), random, 0);
      assertTrue(d >= full / 2 && d <= full, "attempt " + attempt + ": " + d);
    }
  }

  @Test
  void retryAfterIsAFloor() {
    assertEquals(30_000, backoff.delayMillis(0, Optional.of("30"), new Random(1), 0));
    long now = 1_700_000_000_000L;
    String date = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
        .format(java.time.Instant.ofEpochMilli(now + 5_000).atZone(java.time.ZoneOffset.UTC));
    assertEquals(5_000, Backoff.retryAfterMillis(date, now), 1_000);
    assertEquals(0, Backoff.retryAfterMillis("soon", now));
    assertEquals(600_000, backoff.delayMillis(0, Optional.of("86400"), new Random(1), 0), "capped at ten minutes");
  }

  @Test
  void tokenBucketAllowsABurstThenPacesRequests() {
    long[] now = {0};
    TokenBucket bucket = new TokenBucket(2.0, 2, () -> now[0]);
    assertEquals(0, bucket.tryAcquire());
    assertEquals(0, bucket.tryAcquire());
    long wait = bucket.tryAcquire();
    assertEquals(500_000_000L, wait, 1_000, "2 per second: the next permit in half a second");
    now[0] += wait;
    assertEquals(0, bucket.tryAcquire());
    assertEquals(0, new TokenBucket(0, 1, () -> 0L).tryAcquire(), "0 is unlimited");
  }
}
