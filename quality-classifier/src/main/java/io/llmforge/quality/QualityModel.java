package io.llmforge.quality;

import static org.apache.spark.ml.functions.vector_to_array;
import static org.apache.spark.sql.functions.col;

import io.llmforge.pipeline.spark.AtomicOutput;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A trained quality classifier: the MLlib {@link PipelineModel} that classify-train saved under
 * {@code <model folder>/model}. Scoring adds {@code quality_score}, the probability that a document reads like
 * the reference-quality class, and keeps every input column.
 */
public final class QualityModel {
  public static final String QUALITY_SCORE = "quality_score";
  public static final String SAMPLE_WEIGHT = "sample_weight";
  /** Sub-folder of a classify-train output holding the PipelineModel. */
  public static final String MODEL_DIR = "model";
  public static final String METRICS_FILE = "metrics.json";

  private final PipelineModel pipeline;

  public QualityModel(PipelineModel pipeline) {
    this.pipeline = pipeline;
  }

  /** Loads the model of a finished classify-train output; refuses an unfinished one. */
  public static QualityModel load(SparkSession spark, String folder) {
    if (!AtomicOutput.isComplete(spark.sparkContext().hadoopConfiguration(), folder)) {
      throw new IllegalArgumentException(folder + " is not a finished classify-train output (no _SUCCESS); "
          + "run classify-train first");
    }
    return new QualityModel(PipelineModel.load(folder + "/" + MODEL_DIR));
  }

  public PipelineModel pipeline() {
    return pipeline;
  }

  public void save(String path) {
    try {
      pipeline.write().overwrite().save(path);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot save the model to " + path, e);
    }
  }

  /** {@code docs} (which must have a {@code text} column) with {@code quality_score} added as the last column. */
  public Dataset<Row> score(Dataset<Row> docs) {
    List<Column> keep = new ArrayList<>();
    for (String name : docs.columns()) {
      if (!name.equals(QUALITY_SCORE)) {
        keep.add(col(name));
      }
    }
    keep.add(vector_to_array(col(QualityPipeline.PROBABILITY), "float64").getItem(1).as(QUALITY_SCORE));
    return pipeline.transform(docs).select(keep.toArray(Column[]::new));
  }
}
