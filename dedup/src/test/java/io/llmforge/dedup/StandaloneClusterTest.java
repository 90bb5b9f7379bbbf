package io.llmforge.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.document.Document;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.StandaloneCluster;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dedup job on a real standalone cluster (master + 2 workers, separate JVMs on loopback), its candidate pairs
 * and connected components forced onto the executors, gives exactly the clusters that local mode gives with
 * both on the driver (the default at this size).
 */
class StandaloneClusterTest {
  @TempDir
  Path dir;

  @Test
  void sameResultAsLocalMode() {
    NearDuplicateCorpus corpus = NearDuplicateCorpus.of(TestCorpora.synthetic(80, 8),
        new NearDuplicateCorpus.Spec(8, 40, 150, 0.3, 0.5, 1.0, 5));
    List<Document> docs = corpus.documents(250);
    String input = dir.resolve("documents").toString();

    SparkSession local = TestSpark.session();
    DedupJobTest.writeDocuments(local, docs, input);
    String localOut = dir.resolve("local").toString();
    JobStats localStats = DedupJob.run(local, DedupJobTest.settings(input, localOut));
    Map<String, String> expected = DedupJobTest.clusters(local, localOut);
    local.stop();

    try (StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, 1, "1g")) {
      SparkSession spark = cluster.session("llmforge-dedup-cluster-test", 2, "512m");
      assertEquals(2, cluster.executorCount());
      String clusterOut = dir.resolve("standalone").toString();
      JobStats stats = DedupJob.run(spark, DedupJobTest.settings(input, clusterOut, "dedup.driver-max-documents=0",
          "dedup.connected-components.driver-max-edges=0"));
      assertEquals("distributed", stats.get("connected_components"));
      assertEquals("driver", localStats.get("connected_components"));
      assertEquals(expected, DedupJobTest.clusters(spark, clusterOut));
      assertEquals(localStats.getLong("removed"), stats.getLong("removed"));
      assertEquals(localStats.getLong("verified_pairs"), stats.getLong("verified_pairs"));
      assertTrue(stats.getLong("removed") > 20);
    }
  }
}
