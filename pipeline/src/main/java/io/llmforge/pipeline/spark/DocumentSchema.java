package io.llmforge.pipeline.spark;

import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.FloatType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;
import static org.apache.spark.sql.types.DataTypes.createMapType;
import static org.apache.spark.sql.types.DataTypes.createStructField;

import io.llmforge.pipeline.document.Document;
import io.llmforge.pipeline.document.Outcome;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The Parquet contracts of DESIGN.md as Spark schemas, and the mapping between {@link Document} and
 * {@link Row}. Written by hand (not bean encoders) so the column names and types are exactly the contract.
 */
public final class DocumentSchema {
  public static final String DOC_ID = "doc_id";
  public static final String URL = "url";
  public static final String DOMAIN = "domain";
  public static final String CRAWL_DATE = "crawl_date";
  public static final String SOURCE = "source";
  public static final String LANGUAGE = "language";
  public static final String LANGUAGE_SCORE = "language_score";
  public static final String TEXT = "text";
  public static final String CONTENT_SHA1 = "content_sha1";
  public static final String NUM_CHARS = "num_chars";
  public static final String NUM_WORDS = "num_words";
  public static final String QUALITY_SIGNALS = "quality_signals";
  public static final String REJECT_STAGE = "reject_stage";
  public static final String REJECT_REASON = "reject_reason";
  /** Internal, never written: unique per input item ("source#offset"), for deterministic tie-breaks. */
  public static final String INPUT_KEY = "_input_key";

  /** {@code documents/}, {@code deduped/}, {@code scored/}: one row per document. */
  public static final StructType DOCUMENTS = new StructType(new StructField[] {
      createStructField(DOC_ID, StringType, false),
      createStructField(URL, StringType, true),
      createStructField(DOMAIN, StringType, true),
      createStructField(CRAWL_DATE, TimestampType, true),
      createStructField(SOURCE, StringType, true),
      createStructField(LANGUAGE, StringType, true),
      createStructField(LANGUAGE_SCORE, FloatType, false),
      createStructField(TEXT, StringType, false),
      createStructField(CONTENT_SHA1, StringType, false),
      createStructField(NUM_CHARS, IntegerType, false),
      createStructField(NUM_WORDS, IntegerType, false),
      createStructField(QUALITY_SIGNALS, createMapType(StringType, DoubleType, false), false),
  });

  /** {@code rejects/}: the document columns plus where and why it was dropped. */
  public static final StructType REJECTS = DOCUMENTS
      .add(createStructField(REJECT_STAGE, StringType, false))
      .add(createStructField(REJECT_REASON, StringType, false));

  /** The clean job's working rows: every outcome, reject columns null for kept documents. */
  public static final StructType OUTCOMES = DOCUMENTS
      .add(createStructField(REJECT_STAGE, StringType, true))
      .add(createStructField(REJECT_REASON, StringType, true))
      .add(createStructField(INPUT_KEY, StringType, false));

  private DocumentSchema() {}

  public static Row outcomeRow(Outcome outcome, String inputKey) {
    Object[] values = Arrays.copyOf(documentValues(outcome.document()), OUTCOMES.size());
    int n = DOCUMENTS.size();
    values[n] = outcome.rejectStage();
    values[n + 1] = outcome.rejectReason();
    values[n + 2] = inputKey;
    return RowFactory.create(values);
  }

  public static Row documentRow(Document doc) {
    return RowFactory.create(documentValues(doc));
  }

  private static Object[] documentValues(Document d) {
    return new Object[] {
        d.docId(), d.url(), d.domain(), d.crawlDate() == null ? null : Timestamp.from(d.crawlDate()), d.source(),
        d.language(), d.languageScore(), d.text(), d.contentSha1(), d.numChars(), d.numWords(),
        // External rows carry Scala maps for MapType columns.
        scala.collection.JavaConverters.mapAsScalaMap(new java.util.TreeMap<>(d.qualitySignals()))
    };
  }

  /** Reads a row of any schema that has the document columns (extra columns are ignored). */
  public static Document toDocument(Row row) {
    Timestamp date = row.getAs(CRAWL_DATE);
    Map<String, Double> signals = row.getJavaMap(row.fieldIndex(QUALITY_SIGNALS));
    return new Document(row.getAs(DOC_ID), row.getAs(URL), row.getAs(DOMAIN), date == null ? null : date.toInstant(),
        row.getAs(SOURCE), row.getAs(LANGUAGE), row.<Float>getAs(LANGUAGE_SCORE), row.getAs(TEXT),
        row.getAs(CONTENT_SHA1), row.<Integer>getAs(NUM_CHARS), row.<Integer>getAs(NUM_WORDS), signals);
  }

  /** The names of the document columns, in contract order. */
  public static List<String> documentColumns() {
    return Arrays.asList(DOCUMENTS.fieldNames());
  }

  /**
   * Checks that a data set has the document columns with the contract's types; a wrong-schema input fails
   * before any work with a message naming the path and the column.
   */
  public static void requireDocumentColumns(StructType actual, String path) {
    for (StructField expected : DOCUMENTS.fields()) {
      StructField found = Arrays.stream(actual.fields()).filter(f -> f.name().equals(expected.name())).findFirst()
          .orElseThrow(() -> new IllegalArgumentException(
              path + ": not a documents data set, column '" + expected.name() + "' is missing; found " + actual.simpleString()));
      if (!found.dataType().sameType(expected.dataType())) {
        throw new IllegalArgumentException(path + ": column '" + expected.name() + "' has type "
            + found.dataType().simpleString() + ", expected " + expected.dataType().simpleString());
      }
    }
  }
}
