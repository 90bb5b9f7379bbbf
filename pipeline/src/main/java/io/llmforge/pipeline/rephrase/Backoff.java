package io.llmforge.pipeline.rephrase;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Random;

/**
 * How long to wait before retry number {@code attempt + 1}: exponential from {@code initial}, capped at
 * {@code max}, with jitter (half fixed, half random) so that many tasks throttled at once do not come back in
 * lockstep. A server's {@code Retry-After} (seconds or an HTTP date) is a floor: we never come back sooner than
 * asked, up to a ten-minute sanity cap.
 */
public final class Backoff {
  private static final long RETRY_AFTER_CAP_MS = 600_000;
  private final long initialMs;
  private final long maxMs;

  public Backoff(Duration initial, Duration max) {
    this.initialMs = Math.max(0, initial.toMillis());
    this.maxMs = Math.max(initialMs, max.toMillis());
  }

  public long delayMillis(int attempt, Optional<String> retryAfter, Random random, long nowEpochMs) {
    long exponential = initialMs << Math.min(attempt, 30);
    long capped = Math.min(maxMs, exponential < 0 ? maxMs : exponential);
    long half = capped / 2;
    long jittered = half + (long) (random.nextDouble() * (capped - half));
    long floor = retryAfter.map(v -> retryAfterMillis(v, nowEpochMs)).orElse(0L);
    return Math.max(jittered, Math.min(floor, RETRY_AFTER_CAP_MS));
  }

  /** {@code Retry-After} as milliseconds from now; 0 when unparseable or in the past. */
  static long retryAfterMillis(String value, long nowEpochMs) {
    String v = value.trim();
    try {
      return Math.max(0, (long) (Double.parseDouble(v) * 1000));
    } catch (NumberFormatException notSeconds) {
      try {
        long at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
        return Math.max(0, at - nowEpochMs);
      } catch (DateTimeParseException notADate) {
        return 0;
      }
    }
  }
}
