package io.llmforge.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha1;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.xxhash64;

import io.llmforge.pipeline.demo.SyntheticText;
import io.llmforge.pipeline.lang.LanguageIdentifier;
import io.llmforge.pipeline.spark.DocumentSchema;
import io.llmforge.pipeline.text.ContentHash;
import io.llmforge.pipeline.text.TextNormalizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reads {@link TextSource}s into one shape: {@code text} (normalised like documents/ text), {@code split_key}
 * (what the train/test split hashes: the doc id, the archive entry, the article a chunk came from, else the
 * text itself) and {@code source} (the source's name).
 */
public final class TrainingSources {
  public static final String TEXT = "text";
  public static final String SPLIT_KEY = "split_key";
  public static final String SOURCE = "source";

  /** Archive members larger than this are skipped: no mail or comment is that long. */
  private static final long MAX_TAR_ENTRY_BYTES = 16L << 20;

  private static final StructType TEXT_AND_KEY = new StructType()
      .add(TEXT, DataTypes.StringType, false)
      .add(SPLIT_KEY, DataTypes.StringType, false);

  private TrainingSources() {}

  /** All sources, one after the other. */
  public static Dataset<Row> readAll(SparkSession spark, List<TextSource> sources) {
    Dataset<Row> all = null;
    for (TextSource source : sources) {
      Dataset<Row> one = read(spark, source);
      all = all == null ? one : all.unionByName(one);
    }
    if (all == null) {
      throw new IllegalArgumentException("no sources given");
    }
    return all;
  }

  public static Dataset<Row> read(SparkSession spark, TextSource source) {
    Dataset<Row> raw = switch (source.format()) {
      case DOCUMENTS -> {
        Dataset<Row> docs = spark.read().parquet(source.path());
        DocumentSchema.requireDocumentColumns(docs.schema(), source.path());
        yield where(docs, source).select(col(DocumentSchema.TEXT).as(TEXT), col(DocumentSchema.DOC_ID).as(SPLIT_KEY));
      }
      case JSONL -> byText(where(spark.read().json(source.path()), source), source.textField());
      case CSV -> byText(where(spark.read().option("header", true).option("multiLine", true)
          .option("escape", "\"").csv(source.path()), source), source.textField());
      case TEXT_LINES -> {
        Dataset<Row> lines = spark.read().text(source.path());
        Dataset<Row> text = lines.withColumn(TEXT, source.tabColumn() < 0 ? col("value")
            : element_at(split(col("value"), "\t"), source.tabColumn() + 1));
        yield byText(where(text.filter(col(TEXT).isNotNull()), source), TEXT);
      }
      case TEXT_PARAGRAPHS -> where(paragraphs(spark, source), source);
      case TAR -> where(tar(spark, source), source);
      case SYNTHETIC_ARTICLES, SYNTHETIC_WEB -> where(synthetic(spark, source), source);
    };
    Dataset<Row> cleaned = clean(spark, raw.select(col(TEXT).cast("string"), col(SPLIT_KEY).cast("string")), source);
    if (source.maxDocs() > 0) {
      // A hash order, not a random sample: the same configuration always trains on the same documents.
      cleaned = cleaned.orderBy(xxhash64(col(SPLIT_KEY), col(TEXT))).limit((int) Math.min(source.maxDocs(),
          Integer.MAX_VALUE));
    }
    return cleaned.withColumn(SOURCE, lit(source.name()));
  }

  private static Dataset<Row> where(Dataset<Row> data, TextSource source) {
    return source.where().isBlank() ? data : data.filter(source.where());
  }

  private static Dataset<Row> byText(Dataset<Row> data, String textField) {
    return data.filter(col(textField).isNotNull())
        .select(col(textField).cast("string").as(TEXT), sha1(col(textField).cast("string")).as(SPLIT_KEY));
  }

  /** Normalises, drops empty/short texts and texts in other languages. */
  private static Dataset<Row> clean(SparkSession spark, Dataset<Row> data, TextSource source) {
    int minChars = Math.max(1, source.minChars());
    Set<String> languages = Set.copyOf(source.languages());
    JavaRDD<Row> rows = data.javaRDD().mapPartitions(it -> {
      LanguageIdentifier identifier = languages.isEmpty() ? null : new LanguageIdentifier();
      Iterable<Row> partition = () -> it;
      // Streamed row by row: a partition of a large source never sits in memory at once.
      return StreamSupport.stream(partition.spliterator(), false)
          .filter(row -> !row.isNullAt(0))
          .map(row -> RowFactory.create(TextNormalizer.normalize(row.getString(0)),
              row.isNullAt(1) ? null : row.getString(1)))
          .filter(row -> row.getString(0).length() >= minChars)
          .filter(row -> identifier == null || languages.contains(identifier.identify(row.getString(0)).language()))
          .map(row -> row.isNullAt(1) ? RowFactory.create(row.getString(0), row.getString(0)) : row)
          .iterator();
    });
    return spark.createDataFrame(rows, TEXT_AND_KEY);
  }

  private static Dataset<Row> paragraphs(SparkSession spark, TextSource source) {
    int target = source.chunkChars();
    Dataset<Row> files = spark.read().option("wholetext", true).text(source.path());
    JavaRDD<Row> chunks = files.javaRDD().flatMap(row -> {
      List<Row> out = new ArrayList<>();
      for (TextChunker.Chunk chunk : TextChunker.chunk(row.getString(0), target)) {
        out.add(RowFactory.create(chunk.text(), articleKey(chunk.groupLine())));
      }
      return out.iterator();
    });
    return spark.createDataFrame(chunks, TEXT_AND_KEY);
  }

  /**
   * The split key of a text-paragraphs chunk: the content digest of the line its group starts at (the article), so
   * the split depends on the text only: not on where the file lies (a checkout elsewhere drew another split when
   * this was the file's URI), nor on its name or line order; and an article present twice is on one side.
   */
  static String articleKey(String groupLine) {
    return "article:" + ContentHash.contentSha1(groupLine);
  }

  /** The last part of a path or URI: archives are keyed by name and entry, not by where they lie. */
  static String fileName(String pathOrUri) {
    String trimmed = pathOrUri.endsWith("/") ? pathOrUri.substring(0, pathOrUri.length() - 1) : pathOrUri;
    return trimmed.substring(trimmed.lastIndexOf('/') + 1);
  }

  /** One task per archive; an archive's matching entries are held in memory together (mail-corpus sized). */
  private static Dataset<Row> tar(SparkSession spark, TextSource source) {
    String glob = source.entries();
    boolean bodyOnly = source.mailBodyOnly();
    JavaRDD<Row> entries = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .binaryFiles(source.path()).flatMap(file -> {
          List<Row> out = new ArrayList<>();
          try (InputStream in = file._2().open()) {
            for (TarEntries.Entry e : TarEntries.read(in, glob, MAX_TAR_ENTRY_BYTES)) {
              String text = bodyOnly ? MailBody.of(e.text()) : e.text();
              out.add(RowFactory.create(text, e.path(), fileName(file._1()) + "!" + e.path()));
            }
          } catch (IOException e) {
            throw new UncheckedIOException("cannot read archive " + file._1(), e);
          }
          return out.iterator();
        });
    StructType schema = new StructType().add(TEXT, DataTypes.StringType, false)
        .add("entry", DataTypes.StringType, false).add(SPLIT_KEY, DataTypes.StringType, false);
    return spark.createDataFrame(entries, schema);
  }

  private static Dataset<Row> synthetic(SparkSession spark, TextSource source) {
    List<Row> rows = new ArrayList<>();
    if (source.format() == SourceFormat.SYNTHETIC_ARTICLES) {
      SyntheticText text = new SyntheticText(source.seed());
      for (int i = 0; i < source.count(); i++) {
        rows.add(RowFactory.create(text.article(2 + text.random().nextInt(4)).text(), source.name() + "#" + i));
      }
    } else {
      SyntheticWebText web = new SyntheticWebText(source.seed());
      for (int i = 0; i < source.count(); i++) {
        rows.add(RowFactory.create(web.page(), source.name() + "#" + i));
      }
    }
    return spark.createDataFrame(rows, TEXT_AND_KEY);
  }
}
