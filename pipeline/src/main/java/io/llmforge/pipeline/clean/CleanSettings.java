package io.llmforge.pipeline.clean;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.extract.HtmlExtractor;
import io.llmforge.pipeline.filter.PiiMasker;
import io.llmforge.pipeline.ingest.InputFormat;
import io.llmforge.pipeline.ingest.ReadOptions;
import java.io.Serializable;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * The clean job's settings, read and validated from {@code clean.*} before any work starts.
 *
 * @param inputFormat null for detection by file name
 * @param piiMasker   null when PII masking is off
 * @param filters     the document filters, built when the job starts (block lists are read then)
 * @param paragraphDedup corpus-wide removal of repeated paragraphs, after exact dedup
 * @param checkpointDir  "" to cut the plan between dedup stages with local checkpoints, else a reliable
 *                       checkpoint folder ({@code Lineage})
 */
public record CleanSettings(
    List<String> inputs,
    InputFormat inputFormat,
    String output,
    boolean overwrite,
    int outputPartitions,
    int maxReadTasks,
    ReadOptions readOptions,
    double maxInvalidFraction,
    int minChars,
    PiiMasker piiMasker,
    CleanFilters.Spec filters,
    boolean exactDedup,
    ParagraphDedupSettings paragraphDedup,
    String checkpointDir) implements Serializable {

  public CleanSettings {
    inputs = List.copyOf(inputs);
  }

  public static CleanSettings from(ConfigReader root) {
    ConfigReader c = root.at("clean");
    List<String> inputs = c.strings("input");
    if (inputs.isEmpty()) {
      throw c.error("input", "is empty: give at least one file, folder or glob");
    }
    String format = c.string("input-format");
    ReadOptions read = new ReadOptions(
        c.bytesIn("max-page-bytes", 1024, 1L << 31),
        c.requiredString("jsonl.text-field"), c.string("jsonl.url-field"), c.string("jsonl.date-field"));
    return new CleanSettings(
        inputs,
        format.equalsIgnoreCase("auto") ? null : c.enumValue("input-format", InputFormat.class),
        c.requiredString("output"),
        c.bool("overwrite"),
        c.intIn("output-partitions", 0, 1_000_000),
        c.intIn("max-read-tasks", 1, 10_000_000),
        read,
        c.doubleIn("max-invalid-fraction", 0, 1),
        c.intIn("min-chars", 0, Integer.MAX_VALUE),
        c.bool("pii.enabled") ? CleanFilters.piiMasker(c.at("pii")) : null,
        CleanFilters.read(c),
        c.bool("exact-dedup.enabled"),
        ParagraphDedupSettings.from(c.at("paragraph-dedup")),
        c.string("checkpoint-dir"));
  }

  /** The per-record function; reads the configured block lists through {@code hadoop}. */
  public DocumentProcessor processor(Configuration hadoop) {
    return new DocumentProcessor(new HtmlExtractor(), piiMasker, CleanFilters.build(filters, hadoop),
        maxInvalidFraction, minChars);
  }
}
