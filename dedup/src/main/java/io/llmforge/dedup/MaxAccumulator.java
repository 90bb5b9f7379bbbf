package io.llmforge.dedup;

import org.apache.spark.util.AccumulatorV2;

/** The largest value added on any executor (Spark's LongAccumulator only sums). */
public final class MaxAccumulator extends AccumulatorV2<Long, Long> {
  private long max = Long.MIN_VALUE;

  @Override
  public boolean isZero() {
    return max == Long.MIN_VALUE;
  }

  @Override
  public AccumulatorV2<Long, Long> copy() {
    MaxAccumulator copy = new MaxAccumulator();
    copy.max = max;
    return copy;
  }

  @Override
  public void reset() {
    max = Long.MIN_VALUE;
  }

  @Override
  public void add(Long v) {
    max = Math.max(max, v);
  }

  @Override
  public void merge(AccumulatorV2<Long, Long> other) {
    max = Math.max(max, other.value());
  }

  /** The maximum, or 0 when nothing was added. */
  @Override
  public Long value() {
    return isZero() ? 0L : max;
  }
}
