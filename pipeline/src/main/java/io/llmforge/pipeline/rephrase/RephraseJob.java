package io.llmforge.pipeline.rephrase;

import static org.apache.spark.sql.functions.lit;

import io.llmforge.pipeline.clean.WordCount;
import io.llmforge.pipeline.shards.StableHash;
import io.llmforge.pipeline.spark.AtomicOutput;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.SerializableHadoopConf;
import io.llmforge.pipeline.text.ContentHash;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;

/**
 * The rephrase job: documents in, the same documents plus rewrites of a fraction of them out
 * ({@code <output>/documents}, same columns, {@code rephrase_of} = the original's doc_id on each rewrite).
 *
 * <ol>
 *   <li>Choose documents by a seeded hash of doc_id (originals only, not too long); one request per style.</li>
 *   <li>Drop the requests the cache already answers; send the rest from {@code parallelism} tasks, each with its
 *   own backend, in batches; every answered batch goes to the cache before the next is sent.</li>
 *   <li>Join requests with the cache and append the rewrites to the input rows. A request that failed for good
 *   is counted and simply has no rewrite: no input row is ever lost.</li>
 * </ol>
 */
public final class RephraseJob {
  public static final String DOCUMENTS = "documents";
  static final String DOC_ID = "doc_id";
  static final String TEXT = "text";
  static final String REPHRASE_OF = "rephrase_of";

  private RephraseJob() {}

  /** The job with the backends this module has (an OpenAI-compatible endpoint). */
  public static JobStats run(SparkSession spark, RephraseSettings settings) {
    return run(spark, settings, RephraseBackends::create);
  }

  /** The job, each task's backend made by {@code backends} (the trainer adds the in-process checkpoint). */
  public static JobStats run(SparkSession spark, RephraseSettings settings, RephraseBackends.Factory backends) {
    var hadoop = spark.sparkContext().hadoopConfiguration();
    if (!settings.overwrite() && AtomicOutput.isComplete(hadoop, settings.output())) {
      System.out.println("rephrase: " + settings.output() + " is finished; skipping (use --overwrite)");
      return new JobStats().put("skipped", true).put("output", settings.output());
    }
    long t0 = System.nanoTime();
    Dataset<Row> docs = withRephraseOf(spark.read().parquet(settings.input().toArray(String[]::new)), settings);
    StructType schema = docs.schema();
    String model = settings.backend().model();

    AtomicOutput out = AtomicOutput.begin(hadoop, settings.output(), settings.overwrite());
    Dataset<Row> requests = null;
    try {
      StructType requestSchema = schema.add("style", DataTypes.StringType, false)
          .add("key", DataTypes.StringType, false).add("system", DataTypes.StringType, false)
          .add("user", DataTypes.StringType, false);
      requests = docs.flatMap(new ToRequests(settings, schema), Encoders.row(requestSchema))
          .persist(StorageLevel.MEMORY_AND_DISK());
      long requestCount = requests.count();
      long selectedDocs = requests.select(DOC_ID).distinct().count();

      Dataset<Row> cached = RephraseCache.read(spark, settings.cacheDir());
      Dataset<Row> todo = requests.select("key", "style", "system", "user").dropDuplicates("key")
          .join(cached.select("key"), scala.collection.JavaConverters.asScalaBuffer(List.of("key")).toSeq(),
              "left_anti")
          .repartition(settings.parallelism());
      Map<String, LongAccumulator> counters = CachedBackendCalls.accumulators(spark, "rephrase");
      SerializableHadoopConf conf = new SerializableHadoopConf(hadoop);
      Map<String, Long> outcomes = new LinkedHashMap<>();
      CachedBackendCalls calls = new CachedBackendCalls(settings.backendForTask(), settings.batchSize(),
          settings.cacheDir(), backends, conf, counters);
      for (Row r : todo.mapPartitions(calls, Encoders.row(CachedBackendCalls.STATUS))
          .groupBy("status").count().collectAsList()) {
        outcomes.put(r.getString(0), r.getLong(1));
      }
      long t1 = System.nanoTime();

      Dataset<Row> answers = RephraseCache.read(spark, settings.cacheDir()).withColumnRenamed(TEXT, "rephrased");
      Dataset<Row> rewrites = requests.join(answers, "key")
          .map(new ToDocument(schema), Encoders.row(schema));
      Dataset<Row> all = docs.unionByName(rewrites);
      all.write().parquet(out.stagingPath(DOCUMENTS));
      long outputRows = spark.read().parquet(out.stagingPath(DOCUMENTS)).count();
      long inputRows = docs.count();
      long rewritten = outputRows - inputRows;

      long sent = outcomes.values().stream().mapToLong(Long::longValue).sum();
      long distinctRequests = requests.select("key").distinct().count();
      JobStats stats = new JobStats()
          .put("input", settings.input())
          .put("output", out.target())
          .put("model", model)
          .put("styles", settings.styles().stream().map(RephraseStyle::name).toList())
          .put("fraction", settings.fraction())
          .put("input_documents", inputRows)
          .put("selected_documents", selectedDocs)
          .put("requests", requestCount)
          .put("distinct_requests", distinctRequests)
          .put("answered_from_cache", distinctRequests - sent)
          .put("sent_to_backend", sent)
          .put("succeeded", outcomes.getOrDefault("ok", 0L))
          .put("failed", sent - outcomes.getOrDefault("ok", 0L))
          .put("backend_counters", CachedBackendCalls.values(counters))
          .put("rephrased_documents", rewritten)
          .put("output_documents", outputRows)
          .put("cache_dir", settings.cacheDir())
          .put("seconds_calling", (t1 - t0) / 1e9)
          .put("seconds_total", (System.nanoTime() - t0) / 1e9);
      if (rewritten < 0 || rewritten > requestCount) {
        throw new IllegalStateException("row accounting is off: " + inputRows + " in, " + outputRows + " out, "
            + requestCount + " requests");
      }
      out.commit(stats.toJson());
      return stats;
    } catch (RuntimeException e) {
      out.abort();
      throw e;
    } finally {
      if (requests != null) {
        requests.unpersist();
      }
    }
  }

  /** Adds an all-null {@code rephrase_of} column where the input has none; checks the columns the job needs. */
  static Dataset<Row> withRephraseOf(Dataset<Row> docs, RephraseSettings settings) {
    for (String column : List.of(DOC_ID, TEXT)) {
      if (!Arrays.asList(docs.schema().fieldNames()).contains(column)
          || !docs.schema().apply(column).dataType().sameType(DataTypes.StringType)) {
        throw new IllegalArgumentException(settings.input() + ": needs a string column '" + column + "'; found "
            + docs.schema().simpleString());
      }
    }
    return Arrays.asList(docs.schema().fieldNames()).contains(REPHRASE_OF) ? docs
        : docs.withColumn(REPHRASE_OF, lit(null).cast(DataTypes.StringType));
  }

  /** True for an original document whose hash falls in the fraction. */
  public static boolean selected(long seed, String docId, double fraction) {
    return StableHash.unit(seed, "rephrase", docId) < fraction;
  }

  /** Step 1: each chosen document becomes one row per style: its own columns plus style, key and prompts. */
  static final class ToRequests implements FlatMapFunction<Row, Row> {
    private final RephraseSettings settings;
    private final int docId;
    private final int text;
    private final int rephraseOf;

    ToRequests(RephraseSettings settings, StructType schema) {
      this.settings = settings;
      this.docId = schema.fieldIndex(DOC_ID);
      this.text = schema.fieldIndex(TEXT);
      this.rephraseOf = schema.fieldIndex(REPHRASE_OF);
    }

    @Override
    public Iterator<Row> call(Row row) {
      String id = row.getString(docId);
      String body = row.getString(text);
      if (id == null || body == null || body.isBlank() || !row.isNullAt(rephraseOf)
          || body.length() > settings.maxInputChars() || !selected(settings.seed(), id, settings.fraction())) {
        return Collections.emptyIterator();
      }
      List<Row> out = new ArrayList<>(settings.styles().size());
      for (RephraseStyle style : settings.styles()) {
        RephraseBackend.Request r = style.request(settings.backend().model(), body);
        Object[] values = new Object[row.length() + 4];
        for (int i = 0; i < row.length(); i++) {
          values[i] = row.get(i);
        }
        values[row.length()] = style.name();
        values[row.length() + 1] = r.key();
        values[row.length() + 2] = r.system();
        values[row.length() + 3] = r.user();
        out.add(RowFactory.create(values));
      }
      return out.iterator();
    }
  }

  /** Step 3: a request row joined with its answer becomes a document row of the input's schema. */
  static final class ToDocument implements MapFunction<Row, Row> {
    private final String[] fields;

    ToDocument(StructType schema) {
      this.fields = schema.fieldNames();
    }

    @Override
    public Row call(Row joined) {
      String original = joined.getAs(DOC_ID);
      String style = joined.getAs("style");
      String text = joined.getAs("rephrased");
      Object[] values = new Object[fields.length];
      for (int i = 0; i < fields.length; i++) {
        values[i] = switch (fields[i]) {
          case DOC_ID -> RephraseStyle.rephrasedId(style, original);
          case TEXT -> text;
          case REPHRASE_OF -> original;
          case "content_sha1" -> ContentHash.contentSha1(text);
          case "num_chars" -> text.length();
          case "num_words" -> WordCount.of(text);
          default -> joined.getAs(fields[i]);
        };
      }
      return RowFactory.create(values);
    }
  }
}
