package io.llmforge.trainer.sft;

import io.llmforge.pipeline.config.ConfigReader;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code sft-prepare} job's settings ({@code sft-prepare.*}, conf/sft-prepare.conf), validated before any work.
 *
 * @param base        the model the rows are for: a pretrain run folder or one checkpoint (its tokenizer.json and
 *                    block size)
 * @param identity    placeholder values ({@code {{name}}}, {@code {{author}}}) of LLaMA-Factory's identity set
 * @param maxAnswerTokens training rows with a longer answer are rejected (0: no limit); held-out rows are kept
 */
public record SftPrepareSettings(
    List<String> input,
    ConversationFormat format,
    String base,
    String output,
    boolean overwrite,
    double valFraction,
    long seed,
    ChatTemplate.Options template,
    Map<String, String> identity,
    int maxAnswerTokens,
    int outputPartitions) implements Serializable {

  public enum Truncation { DROP_TURNS, REJECT }

  public static SftPrepareSettings from(ConfigReader root) {
    ConfigReader c = root.at("sft-prepare");
    List<String> input = c.strings("input");
    if (input.isEmpty()) {
      throw c.error("input", "is empty; list conversation files or folders (JSON, JSONL, Parquet; .gz allowed)");
    }
    boolean trainOnPrompt = c.bool("train-on-prompt");
    boolean responseOnly = c.bool("response-only");
    if (trainOnPrompt && responseOnly) {
      throw c.error("response-only", "and train-on-prompt cannot both be true (response-only has no prompt)");
    }
    Truncation truncation = c.enumValue("truncation", Truncation.class);
    ConfigReader id = c.at("identity");
    return new SftPrepareSettings(
        input,
        c.enumValue("format", ConversationFormat.class),
        c.requiredString("base"),
        c.requiredString("output"),
        c.bool("overwrite"),
        c.doubleIn("val-fraction", 0, 0.5),
        c.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE),
        new ChatTemplate.Options(trainOnPrompt, responseOnly, truncation == Truncation.DROP_TURNS),
        Map.of("name", id.string("name"), "author", id.string("author")),
        c.intIn("max-answer-tokens", 0, 1 << 20),
        c.intIn("output-partitions", 1, 100_000));
  }

  @Override
  public String toString() {
    return "sft-prepare " + input + " (" + format.name().toLowerCase(Locale.ROOT) + ") -> " + output;
  }
}
