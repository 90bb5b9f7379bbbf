package io.llmforge.trainer.sft;

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
 * Data-parallel SFT on Spark ({@link DataParallel}), as pretraining: {@code sft.distributed.workers} barrier tasks,
 * each loading the same base weights, taking its slice of every global batch and averaging gradients with the others.
 * The driver checks the inputs and readies the output ({@link SftTraining#prepare}); rank 0 writes it.
 */
public final class DistributedSft {
  static final String KEY = "sft.distributed.workers";

  private DistributedSft() {}

  public static JobStats run(SparkSession spark, SftSettings s, PrintStream console) {
    SparkContext sc = spark.sparkContext();
    DataParallel.requireSlots(sc.master(), s.workers(), KEY);
    Optional<JobStats> skipped = SftTraining.prepare(s, sc.hadoopConfiguration(), console);
    if (skipped.isPresent()) {
      return skipped.get();
    }
    console.printf("sft: %d data-parallel workers (Spark barrier stage on %s)%n", s.workers(), sc.master());
    SerializableHadoopConf hadoop = new SerializableHadoopConf(sc.hadoopConfiguration());
    return DataParallel.train(sc, s.workers(), Duration.ofSeconds(s.exchangeTimeoutSeconds()), KEY, group -> {
      PrintStream out = group.rank() == 0 ? System.out : new PrintStream(OutputStream.nullOutputStream());
      return SftTraining.train(s, hadoop.get(), out, group);
    });
  }
}
