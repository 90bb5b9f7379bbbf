package io.llmforge.pipeline.tokenizer;

import io.llmforge.pipeline.config.ConfigReader;
import java.io.Serializable;
import java.util.List;

/**
 * Settings of the tokenizer-train job ({@code conf/tokenizer-train.conf}), validated before any work.
 *
 * @param maxDistinctPreTokens the most frequent pre-tokens kept for the merge step on the driver; the long tail
 *                             beyond it is dropped (it would only produce merges for rare words anyway)
 * @param maxCharsPerDocument  a document is cut to this many characters before counting (0: whole)
 */
public record TokenizerTrainSettings(
    List<String> input,
    String output,
    boolean overwrite,
    int vocabSize,
    long minFrequency,
    PreTokenizer.Kind preTokenizer,
    int maxDistinctPreTokens,
    double sampleFraction,
    long seed,
    int maxCharsPerDocument,
    String textColumn) implements Serializable {

  public static final String SECTION = "tokenizer-train";
  public static final String TOKENIZER_FILE = "tokenizer.json";

  public static TokenizerTrainSettings from(ConfigReader config) {
    ConfigReader c = config.at(SECTION);
    List<String> input = c.strings("input");
    if (input.isEmpty()) {
      throw c.error("input", "is required: the documents Parquet folder(s) to learn the vocabulary from");
    }
    return new TokenizerTrainSettings(input, c.requiredString("output"), c.bool("overwrite"),
        c.intIn("vocab-size", SpecialTokens.ALL.size() + 256, 1 << 20),
        c.longIn("min-frequency", 1, Long.MAX_VALUE),
        c.enumValue("pre-tokenizer", PreTokenizer.Kind.class),
        c.intIn("max-distinct-pre-tokens", 1_000, 50_000_000),
        c.doubleIn("sample-fraction", 1e-6, 1.0),
        c.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE),
        c.intIn("max-chars-per-document", 0, Integer.MAX_VALUE),
        c.requiredString("text-column"));
  }
}
