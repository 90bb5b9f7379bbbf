package io.llmforge.trainer.pretrain;

import io.llmforge.trainer.distributed.RingAllReduce;
import io.llmforge.trainer.optim.AdamW;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.SerializableHadoopConf;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import scala.reflect.ClassTag$;

/**
 * Data-parallel pretraining on Spark: one barrier stage of {@code pretrain.distributed.workers} tasks, one trainer
 * per task (per executor, per GPU on a cluster), all started together. Each task builds the same model from the same
 * seed (or restores the same checkpoint), reads its slice of every global batch, and averages gradients with the
 * others through a {@link RingAllReduce} whose addresses are exchanged with the barrier's {@code allGather}; every
 * task then takes the same clipped AdamW step, so the replicas stay identical without ever shipping weights. A
 * global batch is {@code workers x batch-size x grad-accum-steps} rows, and the run follows the single-process run
 * with batch size {@code workers x batch-size} step for step (up to float rounding).
 *
 * <p>The driver readies the output folder ({@link Pretraining#prepare}); rank 0 writes metrics, checkpoints and the
 * final stats in the same layout as a single process, so either mode resumes the other's checkpoints. A failed task
 * fails the stage (Spark retries barrier stages whole); with {@code resume} the retry continues from the last
 * checkpoint.
 */
public final class DistributedPretraining {
  private static final Pattern LOCAL_MASTER = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\s*\\d+)?])?");

  private DistributedPretraining() {}

  public static JobStats run(SparkSession spark, PretrainSettings s, PrintStream console) {
    int workers = s.workers();
    if (workers < 1) {
      throw new ConfigError("pretrain.distributed.workers: data-parallel training needs at least 1 worker, got "
          + workers + " (0 trains in a single process: Pretraining)");
    }
    SparkContext sc = spark.sparkContext();
    requireSlots(sc.master(), workers);
    Optional<JobStats> skipped = Pretraining.prepare(s, sc.hadoopConfiguration(), console);
    if (skipped.isPresent()) {
      return skipped.get();
    }
    console.printf("pretrain: %d data-parallel workers (Spark barrier stage on %s, ring all-reduce over TCP)%n",
        workers, sc.master());
    PretrainTask task = new PretrainTask(s, new SerializableHadoopConf(sc.hadoopConfiguration()));
    List<Integer> ranks = IntStream.range(0, workers).boxed().toList();
    List<String> results = JavaSparkContext.fromSparkContext(sc).parallelize(ranks, workers).rdd()
        .barrier()
        .mapPartitions(task, false, ClassTag$.MODULE$.apply(String.class))
        .toJavaRDD()
        .collect(); // one small JSON object per task, in rank order
    JobStats stats = new JobStats(); // rank 0's, which wrote the output, and where every rank ran
    List<Object> executors = new ArrayList<>();
    for (String result : results) {
      executors.add(JobStats.parse(result).get(PretrainTask.EXECUTOR));
    }
    for (Map.Entry<String, Object> e : JobStats.parse(results.get(0)).entrySet()) {
      if (!e.getKey().equals(PretrainTask.EXECUTOR)) {
        stats.put(e.getKey(), e.getValue());
      }
    }
    return stats.put("executors", executors);
  }

  /**
   * A barrier stage needs all its tasks running at once. Spark checks that on a cluster (after a long wait); a
   * local master's slots are known here, so asking for more fails at once with a message that names the key.
   */
  static void requireSlots(String master, int workers) {
    Matcher m = LOCAL_MASTER.matcher(master);
    if (!m.matches()) {
      return;
    }
    int slots = m.group(1) == null ? 1
        : m.group(1).equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(m.group(1));
    if (workers > slots) {
      throw new ConfigError("pretrain.distributed.workers = " + workers + " needs " + workers
          + " task slots running at once, but Spark master " + master + " has " + slots
          + "; use local[" + workers + "] (llmforge.spark.master) or fewer workers");
    }
  }
}
