package io.llmforge.pipeline.shards;

import org.apache.spark.Partitioner;

/**
 * Sends each document copy to its packing partition, which becomes one shard file: train copies to partitions
 * {@code [0, train)}, validation copies to {@code [train, train + val)}. The key is the copy's shuffle position,
 * with the sign bit marking validation; a partition's position by a hash of the key, so partitions fill evenly
 * and, sorted by key, each holds its documents in a seeded random order.
 */
final class ShardPartitioner extends Partitioner {
  private final int train;
  private final int val;

  ShardPartitioner(int train, int val) {
    if (train + val < 1) {
      throw new IllegalArgumentException("at least one shard is needed");
    }
    this.train = train;
    this.val = val;
  }

  /** The shuffle key of one document copy: the sign bit says validation, the rest orders copies. */
  static long key(boolean validation, long order) {
    long position = order & Long.MAX_VALUE;
    return validation ? position | Long.MIN_VALUE : position;
  }

  static boolean isValidation(long key) {
    return key < 0;
  }

  @Override
  public int numPartitions() {
    return train + val;
  }

  @Override
  public int getPartition(Object key) {
    long k = (Long) key;
    int bucket = (int) ((StableHash.mix(k) >>> 1) % (isValidation(k) ? val : train));
    return isValidation(k) ? train + bucket : bucket;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ShardPartitioner p && p.train == train && p.val == val;
  }

  @Override
  public int hashCode() {
    return 31 * train + val;
  }
}
