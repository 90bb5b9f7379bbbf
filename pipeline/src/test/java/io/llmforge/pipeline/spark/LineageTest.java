package io.llmforge.pipeline.spark;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.LogicalRDD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineageTest {
  @TempDir
  Path dir;

  @Test
  void aCutKeepsTheRowsAndStartsTheirPlanAfresh() throws Exception {
    SparkSession spark = TestSpark.session();
    Dataset<Row> base = spark.range(0, 200).toDF("x");
    // A self-join and a union: the kind of plan that copies its input at every stage.
    Dataset<Row> deep = base.join(base.withColumnRenamed("x", "y"), col("x").equalTo(col("y")))
        .select(col("x")).union(base.filter(col("x").lt(10)));
    List<Row> expected = deep.orderBy("x").collectAsList();
    for (String checkpointDir : List.of("", dir.resolve("checkpoints").toUri().toString())) {
      Dataset<Row> cut = Lineage.cut(deep, checkpointDir);
      assertTrue(cut.queryExecution().logical() instanceof LogicalRDD, cut.queryExecution().logical().toString());
      assertEquals(expected, cut.orderBy("x").collectAsList(), "checkpoint dir '" + checkpointDir + "'");
    }
    try (var files = Files.walk(dir.resolve("checkpoints"))) {
      assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("part-")), "a reliable checkpoint is on disk");
    }
  }

  @Test
  void releaseDropsALocalCutsBlocks() {
    SparkSession spark = TestSpark.session();
    Dataset<Row> cut = Lineage.cut(spark.range(0, 100).toDF("x").filter(col("x").gt(5)), "");
    int rdd = ((LogicalRDD) cut.queryExecution().logical()).rdd().id();
    assertTrue(spark.sparkContext().getPersistentRDDs().contains(rdd), "a local cut holds its blocks");
    assertEquals(94L, cut.count());
    Lineage.release(cut);
    assertFalse(spark.sparkContext().getPersistentRDDs().contains(rdd), "released");
  }
}
