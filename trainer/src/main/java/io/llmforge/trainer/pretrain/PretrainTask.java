package io.llmforge.trainer.pretrain;

import io.llmforge.trainer.distributed.RingAllReduce;
import io.llmforge.trainer.distributed.WorkerGroup;

import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.SerializableHadoopConf;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import scala.collection.Iterator;
import scala.runtime.AbstractFunction1;

/**
 * One data-parallel worker, run as a Spark barrier task (see {@link DistributedPretraining}): joins the ring of all
 * tasks of the stage, trains with {@link Pretraining#train}, and returns its stats as JSON. Its rank is its
 * partition index.
 */
final class PretrainTask extends AbstractFunction1<Iterator<Integer>, Iterator<String>> implements Serializable {
  /** Key of the executor id in a task's stats. */
  static final String EXECUTOR = "executor";
  private static final long serialVersionUID = 1L;

  private final PretrainSettings settings;
  private final SerializableHadoopConf hadoop;

  PretrainTask(PretrainSettings settings, SerializableHadoopConf hadoop) {
    this.settings = settings;
    this.hadoop = hadoop;
  }

  @Override
  public Iterator<String> apply(Iterator<Integer> partition) {
    BarrierTaskContext context = BarrierTaskContext.get();
    int rank = context.partitionId();
    int size = context.getTaskInfos().length;
    try (WorkerGroup group = join(context, rank, size)) {
      PrintStream console = rank == 0 ? System.out : new PrintStream(OutputStream.nullOutputStream());
      JobStats stats = Pretraining.train(settings, hadoop.get(), console, group);
      stats.put(EXECUTOR, SparkEnv.get().executorId());
      return scala.collection.Iterator$.MODULE$.single(stats.toJson());
    }
  }

  /**
   * Listens on this executor's own address (the one Spark advertises to its peers), exchanges addresses with every
   * task of the stage through the barrier's allGather (which is also the barrier that guarantees every task is
   * listening before any connects), then connects the ring.
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
    List<InetSocketAddress> ring = Arrays.asList(addresses);
    return RingAllReduce.connect(rank, ring, server, Duration.ofSeconds(settings.exchangeTimeoutSeconds()));
  }
}
