package io.llmforge.pipeline.shards;

import io.llmforge.pipeline.config.ConfigReader;
import java.io.Serializable;
import java.util.List;

/**
 * Settings of the tokenize job ({@code conf/tokenize.conf}), validated before any work.
 *
 * @param tokenizer     a tokenizer.json, or a tokenizer-train output folder holding one
 * @param weightColumn  per-document repeat weight ({@code sample_weight}); "" ignores weights
 * @param maxRepeats    cap on copies of one document (DESIGN.md: 4)
 * @param mixtureColumn the column whose values the manifest's mixture counts ({@code source} or {@code domain})
 * @param rowsPerShard  target rows per shard file; the split's tokens decide the number of shards
 */
public record TokenizeSettings(
    List<String> input,
    String tokenizer,
    String output,
    boolean overwrite,
    int seqLen,
    double valFraction,
    long seed,
    int rowsPerShard,
    String textColumn,
    String weightColumn,
    int maxRepeats,
    String mixtureColumn,
    int mixtureEntries) implements Serializable {

  public static final String SECTION = "tokenize";

  public static TokenizeSettings from(ConfigReader config) {
    ConfigReader c = config.at(SECTION);
    List<String> input = c.strings("input");
    if (input.isEmpty()) {
      throw c.error("input", "is required: the documents Parquet folder(s) to tokenize");
    }
    return new TokenizeSettings(input, c.requiredString("tokenizer"), c.requiredString("output"), c.bool("overwrite"),
        c.intIn("seq-len", 1, 1 << 20),
        c.doubleIn("val-fraction", 0.0, 0.5),
        c.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE),
        c.intIn("rows-per-shard", 1, 100_000_000),
        c.requiredString("text-column"),
        c.string("weight-column"),
        c.intIn("max-repeats", 1, 1_000),
        c.string("mixture-column"),
        c.intIn("mixture-entries", 1, 100_000));
  }

  public int rowLength() {
    return seqLen + 1;
  }
}
