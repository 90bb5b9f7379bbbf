package io.llmforge.pipeline.rephrase;

import java.util.function.LongSupplier;

/**
 * Client-side rate limit: a bucket of {@code burst} permits refilled at {@code ratePerSecond}; each request takes
 * one, waiting when the bucket is empty. Keeps a job under the provider's requests-per-minute limit instead of
 * discovering it through 429s.
 */
public final class TokenBucket {
  private final double ratePerNano;
  private final double burst;
  private final LongSupplier clock;
  private double permits;
  private long last;

  /** @param ratePerSecond 0 or less: unlimited */
  public TokenBucket(double ratePerSecond, double burst) {
    this(ratePerSecond, burst, System::nanoTime);
  }

  TokenBucket(double ratePerSecond, double burst, LongSupplier nanoClock) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = Math.max(1.0, burst);
    this.clock = nanoClock;
    this.permits = this.burst;
    this.last = nanoClock.getAsLong();
  }

  /** Takes a permit, blocking until one is there. */
  public void acquire() throws InterruptedException {
    long wait;
    while ((wait = tryAcquire()) > 0) {
      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }
  }

  /** Takes a permit and returns 0, or returns the nanoseconds until one will be there and takes nothing. */
  synchronized long tryAcquire() {
    if (ratePerNano <= 0) {
      return 0;
    }
    long now = clock.getAsLong();
    permits = Math.min(burst, permits + (now - last) * ratePerNano);
    last = now;
    if (permits >= 1.0) {
      permits -= 1.0;
      return 0;
    }
    return Math.max(1, (long) Math.ceil((1.0 - permits) / ratePerNano));
  }
}
