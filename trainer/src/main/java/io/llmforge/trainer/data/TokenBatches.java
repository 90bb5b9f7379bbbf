package io.llmforge.trainer.data;

import io.llmforge.pipeline.shards.ShardManifest;
import io.llmforge.pipeline.shards.ShardReader;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * An endless stream of batches over one split of a shards folder (DESIGN.md, "shards"), in manifest order, starting
 * over at the end of the split (a new epoch). The pipeline already shuffled rows before sharding, so reading in order
 * is a random order. The position is a {@link Cursor}, saved in checkpoints; a stream opened at a saved cursor
 * returns exactly the batches the original would have returned next.
 *
 * <p>Data parallelism: each step consumes one global batch of {@code worldSize * batchSize} consecutive rows, and
 * worker {@code rank} keeps rows {@code [rank * batchSize, (rank + 1) * batchSize)} of it. Every worker reads (and
 * skips) the whole global batch, so all cursors stay equal and any worker's cursor resumes all of them.
 */
public final class TokenBatches implements AutoCloseable {

  /**
   * The next row to read: row {@code row} of the split's shard number {@code shard}, in epoch {@code epoch}.
   */
  public record Cursor(long epoch, int shard, long row) {
    public static final Cursor START = new Cursor(0, 0, 0);
  }

  private final Configuration conf;
  private final String folder;
  private final ShardManifest manifest;
  private final List<ShardManifest.Shard> shards;
  private final int batchSize;
  private final int rank;
  private final int worldSize;
  private ShardReader reader;
  private Cursor cursor;

  /** A single-worker stream from {@code start}. */
  public TokenBatches(Configuration conf, String folder, ShardManifest manifest, String split, int batchSize,
      Cursor start) {
    this(conf, folder, manifest, split, batchSize, 0, 1, start);
  }

  public TokenBatches(Configuration conf, String folder, ShardManifest manifest, String split, int batchSize, int rank,
      int worldSize, Cursor start) {
    if (batchSize < 1 || worldSize < 1 || rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException("need batchSize >= 1 and 0 <= rank < worldSize, got batchSize " + batchSize
          + ", rank " + rank + ", worldSize " + worldSize);
    }
    this.conf = conf;
    this.folder = folder;
    this.manifest = manifest;
    this.shards = manifest.shardsOf(split);
    this.batchSize = batchSize;
    this.rank = rank;
    this.worldSize = worldSize;
    if (shards.stream().mapToLong(ShardManifest.Shard::rows).sum() == 0) {
      throw new IllegalArgumentException("split '" + split + "' of " + folder + " has no rows");
    }
    if (start.shard() < 0 || start.shard() >= shards.size() || start.row() < 0
        || start.row() > shards.get(start.shard()).rows()) {
      throw new IllegalArgumentException("cursor " + start + " is outside split '" + split + "' of " + folder);
    }
    this.cursor = start;
    openAt(start);
  }

  /** Ids per row: the model's blockSize + 1. */
  public int rowLength() {
    return manifest.rowLength();
  }

  /** Where the next batch starts. */
  public Cursor cursor() {
    return cursor;
  }

  /** This worker's next {@code batchSize} rows; the cursor moves past the whole global batch. */
  public int[][] next() {
    int[][] mine = new int[batchSize][];
    int first = rank * batchSize;
    for (int i = 0; i < worldSize * batchSize; i++) {
      int[] row = nextRow();
      if (i >= first && i < first + batchSize) {
        mine[i - first] = row;
      }
    }
    return mine;
  }

  @Override
  public void close() {
    if (reader != null) {
      reader.close();
      reader = null;
    }
  }

  private int[] nextRow() {
    while (!reader.hasNext()) { // end of this shard (or an empty one): move on, wrapping to a new epoch
      int nextShard = cursor.shard() + 1;
      Cursor next = nextShard < shards.size() ? new Cursor(cursor.epoch(), nextShard, 0)
          : new Cursor(cursor.epoch() + 1, 0, 0);
      reader.close();
      cursor = next;
      openAt(next);
    }
    cursor = new Cursor(cursor.epoch(), cursor.shard(), cursor.row() + 1);
    return reader.next();
  }

  /** Opens the cursor's shard and skips to its row (Parquet has no cheap seek to a row; shards are small). */
  private void openAt(Cursor at) {
    String path = new Path(folder, shards.get(at.shard()).file()).toString();
    reader = new ShardReader(conf, path, manifest.rowLength());
    for (long r = 0; r < at.row(); r++) {
      if (!reader.hasNext()) {
        throw new IllegalStateException(path + " has fewer rows than the cursor " + at);
      }
      reader.next();
    }
  }
}
