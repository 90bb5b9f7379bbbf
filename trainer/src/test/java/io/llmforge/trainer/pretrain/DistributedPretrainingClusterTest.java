package io.llmforge.trainer.pretrain;

import io.llmforge.trainer.data.TestShards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.StandaloneCluster;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel pretraining on a real Spark standalone cluster (a master and two workers, separate JVMs on loopback;
 * each trainer in its own executor JVM) follows single-process training on the same global batch step for step.
 */
class DistributedPretrainingClusterTest {
  @TempDir
  Path dir;

  @Test
  void twoExecutorsFollowTheSingleProcess() throws Exception {
    Path shards = dir.resolve("shards");
    TestShards.write(shards, PretrainingTest.SEQ, PretrainingTest.VOCAB, 5, 4);
    Path single = dir.resolve("single");
    Pretraining.run(DistributedPretrainingTest.settings(shards, single, 6, 4, 0), new Configuration(),
        DistributedPretrainingTest.quiet());

    long started = System.nanoTime();
    try (StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, 1, "1g")) {
      long clusterUp = System.nanoTime();
      SparkSession spark = cluster.session("llmforge-pretrain-cluster-test", 2, "768m");
      assertEquals(2, cluster.executorCount());
      long executorsUp = System.nanoTime();
      Path distributed = dir.resolve("distributed");
      JobStats stats = DistributedPretraining.run(spark, DistributedPretrainingTest.settings(shards, distributed, 6,
          2, 2), DistributedPretrainingTest.quiet());
      assertEquals(6L, ((Number) stats.get("steps")).longValue());
      System.out.printf(Locale.ROOT, "standalone cluster: master + 2 workers up in %.1f s, 2 executors in %.1f s, "
          + "distributed training (executor-side start-up included) %.1f s%n", (clusterUp - started) / 1e9,
          (executorsUp - clusterUp) / 1e9, (System.nanoTime() - executorsUp) / 1e9);
      List<?> executors = (List<?>) stats.get("executors");
      assertEquals(2, executors.size());
      assertNotEquals(executors.get(0), executors.get(1), "one trainer per executor");

      DistributedPretrainingTest.assertSameTrajectory(single, distributed);
      DistributedPretrainingTest.assertSameState(single, distributed);
    }
  }
}
