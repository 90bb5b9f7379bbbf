package io.llmforge.pipeline.shards;

import io.llmforge.pipeline.document.Document;
import io.llmforge.pipeline.spark.DocumentSchema;
import io.llmforge.pipeline.text.ContentHash;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Writes small documents Parquet data sets (the real contract schema plus optional later columns) for job tests. */
public final class TestDocuments {
  /** One test document; {@code weight} and {@code rephraseOf} may be null. */
  public record Doc(String id, String source, String text, Double weight, String rephraseOf) {
    public static Doc of(String id, String source, String text) {
      return new Doc(id, source, text, null, null);
    }
  }

  private TestDocuments() {}

  public static Document document(Doc d) {
    return new Document(d.id(), "https://example.org/" + d.id(), "example.org", null, d.source(), "en", 0.99f,
        d.text(), ContentHash.contentSha1(d.text()), d.text().length(), d.text().split("\\s+").length,
        java.util.Map.of("test", 1.0));
  }

  /** Writes documents with, when asked, {@code sample_weight} and {@code rephrase_of} columns. */
  public static void write(SparkSession spark, String path, List<Doc> docs, boolean weights, boolean rephraseOf,
      int files) {
    StructType schema = DocumentSchema.DOCUMENTS;
    if (weights) {
      schema = schema.add("sample_weight", DataTypes.DoubleType, true);
    }
    if (rephraseOf) {
      schema = schema.add("rephrase_of", DataTypes.StringType, true);
    }
    List<Row> rows = new ArrayList<>();
    for (Doc d : docs) {
      Row base = DocumentSchema.documentRow(document(d));
      List<Object> values = new ArrayList<>(Arrays.asList(toArray(base)));
      if (weights) {
        values.add(d.weight());
      }
      if (rephraseOf) {
        values.add(d.rephraseOf());
      }
      rows.add(RowFactory.create(values.toArray()));
    }
    spark.createDataFrame(rows, schema).repartition(files).write().mode("overwrite").parquet(path);
  }

  private static Object[] toArray(Row row) {
    Object[] values = new Object[row.length()];
    for (int i = 0; i < values.length; i++) {
      values[i] = row.get(i);
    }
    return values;
  }
}
