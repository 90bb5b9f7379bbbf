package io.llmforge.dedup;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;

import io.llmforge.pipeline.spark.DocumentSchema;
import java.util.Arrays;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.feature.MinHashLSHModel;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The baseline for the benchmark: Spark MLlib's {@link MinHashLSH} with {@code approxSimilarityJoin}, on the
 * same shingle sets ({@link ShingleSets}, each 64-bit shingle hash folded to a 30-bit feature index, as MLlib
 * needs int indexes below its prime 2038074743) and the same threshold. MLlib's MinHashLSH has OR-amplification
 * only (each hash table is one MinHash), and its join computes the exact Jaccard distance of every candidate,
 * so its precision is 1 and its recall at J is 1 - (1 - J)^numHashTables.
 */
public final class MllibMinHashBaseline {
  static final int FEATURE_BITS = 30;

  private MllibMinHashBaseline() {}

  /** Near-duplicate pairs {@code doc_a < doc_b} with {@code similarity} >= threshold, from {@code docs}. */
  public static Dataset<Row> pairs(Dataset<Row> vectors, int numHashTables, double threshold, long seed) {
    MinHashLSHModel model = new MinHashLSH().setNumHashTables(numHashTables).setSeed(seed)
        .setInputCol("features").setOutputCol("hashes").fit(vectors);
    // MLlib keeps pairs with distance strictly below the bound; J >= t is distance <= 1 - t.
    Dataset<Row> joined = model.approxSimilarityJoin(vectors, vectors, 1.0 - threshold + 1e-9, "distance").toDF();
    return joined
        .select(col("datasetA." + DocumentSchema.DOC_ID).as("x"), col("datasetB." + DocumentSchema.DOC_ID).as("y"),
            lit(1.0).minus(col("distance")).as(NearDuplicates.SIMILARITY))
        .filter(col("x").lt(col("y")))
        .select(least(col("x"), col("y")).as("doc_a"), greatest(col("x"), col("y")).as("doc_b"),
            col(NearDuplicates.SIMILARITY));
  }

  /** {@code doc_id}, {@code features}: one sparse binary vector of shingle indexes per document with words. */
  public static Dataset<Row> vectors(Dataset<Row> docs, int shingleSize) {
    StructType schema = new StructType().add(DocumentSchema.DOC_ID, DataTypes.StringType, false)
        .add("features", SQLDataTypes.VectorType(), false);
    MapPartitionsFunction<Row, Row> vectorise = rows -> {
      ShingleSets sets = new ShingleSets(shingleSize);
      return new NearDuplicates.ClosingMap<>(rows, sets, row -> {
        long[] shingles = sets.of(row.getString(1));
        int[] indexes = Arrays.stream(shingles).mapToInt(h -> (int) (h >>> (64 - FEATURE_BITS))).sorted().distinct()
            .toArray();
        double[] ones = new double[indexes.length];
        Arrays.fill(ones, 1.0);
        return RowFactory.create(row.getString(0), Vectors.sparse(1 << FEATURE_BITS, indexes, ones));
      });
    };
    return docs.select(col(DocumentSchema.DOC_ID), col(DocumentSchema.TEXT))
        .mapPartitions(vectorise, Encoders.row(schema))
        .filter((org.apache.spark.api.java.function.FilterFunction<Row>) r ->
            ((org.apache.spark.ml.linalg.Vector) r.get(1)).numNonzeros() > 0);
  }
}
