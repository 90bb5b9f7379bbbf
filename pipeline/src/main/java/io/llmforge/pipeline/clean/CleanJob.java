package io.llmforge.pipeline.clean;

import static io.llmforge.pipeline.spark.DocumentSchema.LANGUAGE;
import static io.llmforge.pipeline.spark.DocumentSchema.NUM_CHARS;
import static io.llmforge.pipeline.spark.DocumentSchema.REJECT_REASON;
import static io.llmforge.pipeline.spark.DocumentSchema.REJECT_STAGE;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.sum;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.document.Outcome;
import io.llmforge.pipeline.ingest.InputItem;
import io.llmforge.pipeline.spark.AtomicOutput;
import io.llmforge.pipeline.spark.DocumentSchema;
import io.llmforge.pipeline.spark.InputFiles;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.Lineage;
import io.llmforge.pipeline.spark.ReadInputs;
import io.llmforge.pipeline.spark.SerializableHadoopConf;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code clean} job: crawl files in, {@code documents/} and {@code rejects/} Parquet out (DESIGN.md).
 *
 * <pre>
 *   list input files → read records (executors) → process each (extract, normalise, language, filters)
 *     → exact dedup → [paragraph dedup → exact dedup of the stripped texts]
 *     → write documents/ + rejects/ → check documents + rejects = input → commit
 * </pre>
 *
 * Paragraph dedup counts a paragraph per document, so it runs on exact dedup's survivors (ten copies of a page
 * would otherwise make every paragraph of it "repeated"); two pages that differed only in boilerplate are
 * identical once it is gone, hence the second exact dedup.
 *
 * The per-record work is {@link DocumentProcessor}; this class only wires Spark around it.
 */
public final class CleanJob {
  private static final Logger LOG = LoggerFactory.getLogger(CleanJob.class);
  public static final String DOCUMENTS = "documents";
  public static final String REJECTS = "rejects";

  private CleanJob() {}

  /** Runs the job; returns its stats (also written to {@code stats.json}), or the old stats if already done. */
  public static JobStats run(SparkSession spark, CleanSettings settings) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    if (!settings.overwrite() && AtomicOutput.isComplete(hadoop, settings.output())) {
      LOG.warn("{} is already complete; skipping (use --overwrite to recompute)", settings.output());
      return new JobStats().put("skipped", true).put("output", settings.output());
    }
    InputFiles.Listing listing = InputFiles.list(hadoop, settings.inputs(), settings.inputFormat());
    if (listing.files().isEmpty()) {
      throw new ConfigError("clean.input: no readable input files in " + settings.inputs()
          + (listing.skipped().isEmpty() ? "" : " (skipped, unknown format: " + listing.skipped().size() + ")"));
    }
    Instant started = Instant.now();
    AtomicOutput output = AtomicOutput.begin(hadoop, settings.output(), settings.overwrite());
    Dataset<Row> processed = null;
    Dataset<Row> result;
    ParagraphDedup paragraphs = null;
    try {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      LongAccumulator skippedRecords = jsc.sc().longAccumulator("skipped_records");
      // Broadcast, not captured in the closure: block lists can be large and must reach each executor once.
      Broadcast<DocumentProcessor> processor = jsc.broadcast(settings.processor(hadoop));
      int slices = Math.max(1, Math.min(listing.files().size(), settings.maxReadTasks()));
      JavaRDD<Row> outcomes = jsc.parallelize(listing.files(), slices)
          .flatMap(new ReadInputs(new SerializableHadoopConf(hadoop), settings.readOptions(), skippedRecords))
          .map(item -> toRow(processor.value(), item));
      processed = spark.createDataFrame(outcomes, DocumentSchema.OUTCOMES).persist(StorageLevel.MEMORY_AND_DISK_SER());
      long input = processed.count();

      // Each dedup stage reads its input several times; cut the plan after each (see Lineage).
      Dataset<Row> deduped = settings.exactDedup() ? ExactDedup.markDuplicates(processed) : processed;
      if (settings.paragraphDedup().enabled()) {
        paragraphs = ParagraphDedup.apply(Lineage.cut(deduped, settings.checkpointDir()), settings.paragraphDedup());
        deduped = settings.exactDedup() ? ExactDedup.markDuplicates(paragraphs.outcomes()) : paragraphs.outcomes();
      }
      result = Lineage.cut(deduped, settings.checkpointDir());
      Dataset<Row> documents = result.filter(col(REJECT_STAGE).isNull()).select(columns(DocumentSchema.DOCUMENTS.fieldNames()));
      Dataset<Row> rejects = result.filter(col(REJECT_STAGE).isNotNull()).select(columns(DocumentSchema.REJECTS.fieldNames()));
      write(documents, settings.outputPartitions(), output.stagingPath(DOCUMENTS));
      write(rejects, settings.outputPartitions(), output.stagingPath(REJECTS));

      // Count what was written, not what was planned: this is the check that nothing was lost on the way.
      long writtenDocuments = spark.read().parquet(output.stagingPath(DOCUMENTS)).count();
      long writtenRejects = spark.read().parquet(output.stagingPath(REJECTS)).count();
      if (writtenDocuments + writtenRejects != input) {
        throw new IllegalStateException("documents (" + writtenDocuments + ") + rejects (" + writtenRejects
            + ") != input (" + input + "): refusing to commit " + settings.output());
      }
      JobStats stats = new JobStats()
          .put("job", "clean")
          .put("output", output.target())
          .put("started_at", started.toString())
          .put("seconds", Duration.between(started, Instant.now()).toMillis() / 1000.0)
          .put("input_files", listing.files().size())
          .put("input_files_skipped_unknown_format", listing.skipped().size())
          .put("input_bytes", listing.files().stream().mapToLong(f -> f.bytes()).sum())
          .put("input", input)
          .put("non_document_records_skipped", skippedRecords.value())
          .put("documents", writtenDocuments)
          .put("rejects", writtenRejects)
          .put("documents_plus_rejects_equals_input", true)
          .put("document_chars", sumLong(documents, NUM_CHARS))
          .put("rejects_by_stage", countBy(rejects, col(REJECT_STAGE)))
          .put("rejects_by_reason", countBy(rejects,
              org.apache.spark.sql.functions.concat_ws("/", col(REJECT_STAGE),
                  regexp_extract(col(REJECT_REASON), "^([A-Za-z0-9_]+)", 1))))
          .put("documents_by_language", countBy(documents, col(LANGUAGE)));
      if (paragraphs != null) {
        stats.put("paragraph_dedup", paragraphs.stats(result));
      }
      output.commit(stats.toJson());
      LOG.info("clean: {} input -> {} documents + {} rejects in {}", input, writtenDocuments, writtenRejects,
          output.target());
      return stats;
    } catch (RuntimeException e) {
      output.abort();
      throw e;
    } finally {
      if (paragraphs != null) {
        paragraphs.close();
      }
      if (processed != null) {
        processed.unpersist();
      }
    }
  }

  private static Row toRow(DocumentProcessor processor, InputItem item) {
    Outcome outcome = processor.process(item);
    return DocumentSchema.outcomeRow(outcome, item.key());
  }

  private static void write(Dataset<Row> rows, int partitions, String path) {
    Dataset<Row> sized = partitions > 0 ? rows.repartition(partitions) : rows;
    sized.write().mode("errorifexists").parquet(path);
  }

  private static Column[] columns(String[] names) {
    return Arrays.stream(names).map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
  }

  private static long sumLong(Dataset<Row> rows, String column) {
    Row row = rows.agg(sum(col(column))).first();
    return row.isNullAt(0) ? 0L : row.getLong(0);
  }

  /** Counts per key; the keys are a handful of stages, reasons or languages, so collecting them is safe. */
  private static Map<String, Long> countBy(Dataset<Row> rows, Column key) {
    List<Row> counts = rows.groupBy(key.as("k")).agg(count("*").as("n")).orderBy(col("n").desc()).limit(200)
        .collectAsList();
    Map<String, Long> out = new LinkedHashMap<>();
    for (Row r : counts) {
      out.put(r.isNullAt(0) ? "null" : r.getString(0), r.getLong(1));
    }
    return out;
  }
}
