package io.llmforge.pipeline.spark;

import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.LogicalRDD;

/**
 * Materialises a Dataset and cuts its logical plan. A job that chains stages which each read their input several
 * times (exact dedup reads it three times, paragraph dedup four) grows a plan with dozens of copies of the first
 * stage; Spark then spends seconds planning every later query, a tiny count included, and persisting does not
 * help (the cache is matched against the whole plan each time). After a cut the plan is one scan of the
 * materialised blocks.
 *
 * <p>With no checkpoint folder the cut is a local checkpoint: blocks on the executors (memory, spilling to
 * disk), fast, but lost with an executor, which then fails the job (outputs are atomic: rerun it). With a folder
 * on a shared filesystem the cut is a reliable checkpoint that survives executor loss.
 */
public final class Lineage {
  private Lineage() {}

  /**
   * {@code ds} computed now, as a Dataset whose plan starts at the materialised rows.
   *
   * @param checkpointDir "" for a local checkpoint, else a reliable checkpoint folder
   */
  public static Dataset<Row> cut(Dataset<Row> ds, String checkpointDir) {
    if (checkpointDir.isEmpty()) {
      return ds.localCheckpoint(true);
    }
    SparkContext sc = ds.sparkSession().sparkContext();
    // Each setCheckpointDir makes a fresh sub-folder: set it once per folder, not once per cut.
    String folder = new org.apache.hadoop.fs.Path(checkpointDir).toUri().getPath();
    if (sc.getCheckpointDir().isEmpty() || !sc.getCheckpointDir().get().contains(folder)) {
      sc.setCheckpointDir(checkpointDir);
    }
    return ds.checkpoint(true);
  }

  /**
   * Drops a local cut's blocks once nothing will read {@code cut} again (reading it afterwards fails: its lineage
   * is gone). Without it a loop of cuts, such as a cross-validation's fits, keeps every one until the JVM ends. A
   * reliable checkpoint's files are left to Spark's cleaner.
   */
  public static void release(Dataset<Row> cut) {
    if (cut.queryExecution().logical() instanceof LogicalRDD r) {
      r.rdd().unpersist(false);
    }
  }
}
