package io.llmforge.pipeline.clean;

import static io.llmforge.pipeline.spark.DocumentSchema.CONTENT_SHA1;
import static io.llmforge.pipeline.spark.DocumentSchema.CRAWL_DATE;
import static io.llmforge.pipeline.spark.DocumentSchema.DOC_ID;
import static io.llmforge.pipeline.spark.DocumentSchema.INPUT_KEY;
import static io.llmforge.pipeline.spark.DocumentSchema.REJECT_REASON;
import static io.llmforge.pipeline.spark.DocumentSchema.REJECT_STAGE;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import java.sql.Timestamp;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Exact dedup by normalised content hash: of the kept documents sharing a {@code content_sha1}, the earliest
 * capture stays (ties: smallest doc_id, then input position) and every other copy becomes an
 * {@code exact_dedup} reject naming the survivor.
 *
 * <p>The survivor per hash is found with an aggregation, not a window: the aggregation combines map-side, so a
 * hash shared by millions of copies (error pages, cookie walls) costs one row per partition in the shuffle
 * instead of one partition holding every copy; the join back is left to adaptive execution's skew handling.
 */
public final class ExactDedup {
  private static final Timestamp NO_DATE = Timestamp.valueOf("9999-12-31 00:00:00");

  private ExactDedup() {}

  /** @param outcomes rows of {@code DocumentSchema.OUTCOMES}; returns the same schema with duplicates rejected */
  public static Dataset<Row> markDuplicates(Dataset<Row> outcomes) {
    Column isKept = col(REJECT_STAGE).isNull();
    Column order = struct(coalesce(col(CRAWL_DATE), lit(NO_DATE)).as("date"), col(DOC_ID).as("id"),
        col(INPUT_KEY).as("key"));
    Dataset<Row> kept = outcomes.filter(isKept);
    Dataset<Row> survivors = kept.groupBy(col(CONTENT_SHA1).as("_sha1")).agg(min(order).as("_first"));
    Dataset<Row> judged = kept.join(survivors, kept.col(CONTENT_SHA1).equalTo(survivors.col("_sha1")));
    Column duplicate = col("_first.key").notEqual(col(INPUT_KEY));
    Dataset<Row> marked = judged
        .withColumn(REJECT_STAGE, when(duplicate, lit(Stage.EXACT_DEDUP)))
        .withColumn(REJECT_REASON, when(duplicate, concat(lit("duplicate_of: "), col("_first.id"))))
        .select(columns(outcomes));
    return marked.unionByName(outcomes.filter(isKept.unary_$bang()));
  }

  private static Column[] columns(Dataset<Row> ds) {
    String[] names = ds.columns();
    Column[] cols = new Column[names.length];
    for (int i = 0; i < names.length; i++) {
      cols[i] = col(names[i]);
    }
    return cols;
  }
}
