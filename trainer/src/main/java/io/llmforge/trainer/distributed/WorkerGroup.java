package io.llmforge.trainer.distributed;

/**
 * The data-parallel workers of one training run, as seen by one of them: its rank, how many there are, and the one
 * collective operation training needs. A single process is a group of one.
 */
public interface WorkerGroup extends AutoCloseable {

  /** This worker's position, 0 to {@code size() - 1}; rank 0 writes checkpoints and metrics. */
  int rank();

  /** Number of workers. */
  int size();

  /**
   * Replaces {@code values} by their element-wise mean over all workers. Every worker must call it with an array of
   * the same length at the same point of training; all of them return with bit-identical values, so replicas that
   * apply the same update to the same weights stay identical.
   */
  void average(float[] values);

  @Override
  void close();

  /** The group of one: a single process. */
  static WorkerGroup single() {
    return Single.INSTANCE;
  }

  /** The group of one, where averaging is the identity. */
  enum Single implements WorkerGroup {
    INSTANCE;

    @Override
    public int rank() {
      return 0;
    }

    @Override
    public int size() {
      return 1;
    }

    @Override
    public void average(float[] values) {
      // one worker: its values are the mean
    }

    @Override
    public void close() {
      // nothing to release
    }
  }
}
