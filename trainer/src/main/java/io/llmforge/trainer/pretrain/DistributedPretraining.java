package io.llmforge.trainer.pretrain;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.SerializableHadoopConf;
import io.llmforge.trainer.distributed.DataParallel;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Data-parallel pretraining on Spark ({@link DataParallel}): {@code pretrain.distributed.workers} trainers, one per
 * barrier task (per executor, per GPU on a cluster). Each builds the same model from the same seed (or restores the
 * same checkpoint), reads its slice of every global batch, and averages gradients with the others, so every task
 * takes the same clipped AdamW step and the replicas stay identical without ever shipping weights. A global batch is
 * {@code workers x batch-size x grad-accum-steps} rows, and the run follows the single-process run with batch size
 * {@code workers x batch-size} step for step (up to float rounding).
 *
 * <p>The driver readies the output folder ({@link Pretraining#prepare}); rank 0 writes metrics, checkpoints and the
 * final stats in the same layout as a single process, so either mode resumes the other's checkpoints.
 */
public final class DistributedPretraining {
  static final String KEY = "pretrain.distributed.workers";

  private DistributedPretraining() {}

  public static JobStats run(SparkSession spark, PretrainSettings s, PrintStream console) {
    int workers = s.workers();
    if (workers < 1) {
      throw new ConfigError(KEY + ": data-parallel training needs at least 1 worker, got " + workers
          + " (0 trains in a single process: Pretraining)");
    }
    SparkContext sc = spark.sparkContext();
    requireSlots(sc.master(), workers);
    Optional<JobStats> skipped = Pretraining.prepare(s, sc.hadoopConfiguration(), console);
    if (skipped.isPresent()) {
      return skipped.get();
    }
    console.printf("pretrain: %d data-parallel workers (Spark barrier stage on %s, ring all-reduce over TCP)%n",
        workers, sc.master());
    SerializableHadoopConf hadoop = new SerializableHadoopConf(sc.hadoopConfiguration());
    return DataParallel.train(sc, workers, Duration.ofSeconds(s.exchangeTimeoutSeconds()), KEY, group -> {
      PrintStream out = group.rank() == 0 ? System.out : new PrintStream(OutputStream.nullOutputStream());
      return Pretraining.train(s, hadoop.get(), out, group);
    });
  }

  /** See {@link DataParallel#requireSlots}. */
  static void requireSlots(String master, int workers) {
    DataParallel.requireSlots(master, workers, KEY);
  }
}
