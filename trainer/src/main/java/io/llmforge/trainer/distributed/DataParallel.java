package io.llmforge.trainer.distributed;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.spark.JobStats;
import java.io.IOException;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import io.llmforge.pipeline.spark.SparkProgress;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import scala.collection.Iterator;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Data-parallel training for any training loop, on Spark: {@code workers} tasks of one barrier stage (all started
 * together; one per executor, one executor per GPU on a cluster), each handed a {@link WorkerGroup} joined into a
 * {@link RingAllReduce} whose addresses are exchanged with the barrier's {@code allGather}. The loop inside a worker
 * calls {@link GradientAveraging#average} between its backward passes and its optimiser step; every stage
 * (pretraining, SFT, reward model, DPO, RL) uses this one component. A failing task fails the stage; Spark retries a
 * barrier stage whole.
 */
public final class DataParallel {
  private static final String EXECUTOR = "executor";
  private static final Pattern LOCAL_MASTER = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\s*\\d+)?])?");

  private DataParallel() {}

  /** The work of one worker: train in {@code group}, return a small result (JSON) for the driver. */
  @FunctionalInterface
  public interface Worker extends Serializable {
    String train(WorkerGroup group);
  }

  /**
   * Runs {@code worker} on {@code workers} barrier tasks and returns their results in rank order.
   *
   * @param key the configuration key of the worker count, for error messages
   */
  public static List<String> run(SparkContext sc, int workers, Duration exchangeTimeout, String key, Worker worker) {
    if (workers < 1) {
      throw new ConfigError(key + ": data-parallel training needs at least 1 worker, got " + workers);
    }
    requireSlots(sc.master(), workers, key);
    List<Integer> ranks = IntStream.range(0, workers).boxed().toList();
    // the trainer prints its own progress line; Spark's would only say "0 of N tasks" for the whole run
    sc.setJobGroup(SparkProgress.QUIET_GROUP, "data-parallel training", false);
    try {
      return JavaSparkContext.fromSparkContext(sc).parallelize(ranks, workers).rdd()
          .barrier()
          .mapPartitions(new Task(worker, exchangeTimeout.toMillis()), false, ClassTag$.MODULE$.apply(String.class))
          .toJavaRDD()
          .collect(); // one small result per task
    } finally {
      sc.clearJobGroup();
    }
  }

  /** The work of one worker as a trainer: train in {@code group}, return the run's stats. */
  @FunctionalInterface
  public interface Training extends Serializable {
    JobStats train(WorkerGroup group);
  }

  /**
   * Runs a trainer on {@code workers} barrier tasks; returns rank 0's stats (the rank that wrote the output) with
   * {@code executors}: the executor id every rank ran on, in rank order.
   */
  public static JobStats train(SparkContext sc, int workers, Duration exchangeTimeout, String key, Training training) {
    List<String> results = run(sc, workers, exchangeTimeout, key,
        group -> training.train(group).put(EXECUTOR, SparkEnv.get().executorId()).toJson());
    JobStats stats = new JobStats();
    List<Object> executors = new ArrayList<>();
    for (String result : results) {
      executors.add(JobStats.parse(result).get(EXECUTOR));
    }
    for (var e : JobStats.parse(results.get(0)).entrySet()) {
      if (!e.getKey().equals(EXECUTOR)) {
        stats.put(e.getKey(), e.getValue());
      }
    }
    return stats.put("executors", executors);
  }

  /**
   * A barrier stage needs all its tasks running at once. Spark checks that on a cluster (after a long wait); a
   * local master's slots are known here, so asking for more fails at once with a message that names the key.
   */
  public static void requireSlots(String master, int workers, String key) {
    Matcher m = LOCAL_MASTER.matcher(master);
    if (!m.matches()) {
      return;
    }
    int slots = m.group(1) == null ? 1
        : m.group(1).equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(m.group(1));
    if (workers > slots) {
      throw new ConfigError(key + " = " + workers + " needs " + workers + " task slots running at once, but Spark "
          + "master " + master + " has " + slots + "; use local[" + workers + "] (llmforge.spark.master) or fewer "
          + "workers");
    }
  }

  /** One barrier task: joins the ring (rank = partition index), runs the worker, returns its result. */
  private static final class Task extends AbstractFunction1<Iterator<Integer>, Iterator<String>>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Worker worker;
    private final long timeoutMillis;

    Task(Worker worker, long timeoutMillis) {
      this.worker = worker;
      this.timeoutMillis = timeoutMillis;
    }

    @Override
    public Iterator<String> apply(Iterator<Integer> partition) {
      BarrierTaskContext context = BarrierTaskContext.get();
      int rank = context.partitionId();
      int size = context.getTaskInfos().length;
      try (WorkerGroup group = join(context, rank, size)) {
        return scala.collection.Iterator$.MODULE$.single(worker.train(group));
      }
    }

    /**
     * Listens on this executor's own address (the one Spark advertises to its peers), exchanges addresses with every
     * task through the barrier's allGather (which is also the barrier that guarantees every task is listening before
     * any connects), then connects the ring.
     */
    private WorkerGroup join(BarrierTaskContext context, int rank, int size) {
      if (size == 1) {
        return WorkerGroup.single();
      }
      String host = SparkEnv.get().blockManager().blockManagerId().host();
      ServerSocket server = RingAllReduce.listen(host);
      InetSocketAddress[] addresses = new InetSocketAddress[size];
      try {
        for (String message : context.allGather(rank + " " + host + " " + server.getLocalPort())) {
          String[] parts = message.split(" ");
          addresses[Integer.parseInt(parts[0])] = new InetSocketAddress(parts[1], Integer.parseInt(parts[2]));
        }
      } catch (RuntimeException e) {
        try {
          server.close();
        } catch (IOException ignored) {
          // the allGather failure is the one to report
        }
        throw e;
      }
      return RingAllReduce.connect(rank, Arrays.asList(addresses), server, Duration.ofMillis(timeoutMillis));
    }
  }
}
