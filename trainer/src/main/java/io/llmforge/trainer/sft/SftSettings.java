package io.llmforge.trainer.sft;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.optim.OptimizerSettings;
import java.io.Serializable;
import java.util.List;

/**
 * The {@code sft} job's settings ({@code sft.*}, conf/sft.conf), validated before any work. Serializable: data-parallel
 * training ships them to every executor.
 *
 * @param data           an sft-prepare output
 * @param base           the pretrained model: a pretrain run folder (its newest good checkpoint) or one checkpoint
 * @param seed           the data order (each epoch's shuffle)
 * @param groupByLength  batches of similar lengths (less padding), in random batch order
 * @param lora           {@link LoraSettings#NONE} for full fine-tuning; else adapters on a frozen base
 * @param trainableTokens with LoRA, special tokens whose embedding rows train too (resolved to ids against the base
 *                       model's tokenizer by {@link SftTraining}); ignored in full fine-tuning, where every row trains
 * @param neftuneNoiseAlpha NEFTune: uniform noise of this alpha on the input embeddings while training (0: off)
 * @param replayShards   pretraining shards to mix in ("" for none)
 * @param replayFraction share of each micro-batch's rows taken from the replay shards
 * @param evalBatches    validation batches per estimate; 0 evaluates the whole val split
 */
public record SftSettings(
    String data,
    String base,
    String output,
    boolean overwrite,
    boolean resume,
    long seed,
    int batchSize,
    boolean groupByLength,
    int maxSteps,
    OptimizerSettings optimizer,
    LoraSettings lora,
    List<String> trainableTokens,
    double neftuneNoiseAlpha,
    String replayShards,
    double replayFraction,
    int evalInterval,
    int evalBatches,
    int checkpointInterval,
    int keepLast,
    int logInterval,
    double peakTflops,
    int workers,
    int exchangeTimeoutSeconds) implements Serializable {

  public static SftSettings from(ConfigReader root) {
    ConfigReader c = root.at("sft");
    LoraSettings lora = LoraSettings.from(c.at("lora"));
    int batchSize = c.intIn("batch-size", 1, 1 << 20);
    ConfigReader r = c.at("replay");
    String replayShards = r.string("shards");
    double replayFraction = r.doubleIn("fraction", 0, 0.9);
    if (replayFraction > 0 && replayShards.isBlank()) {
      throw r.error("shards", "is empty but replay.fraction is " + replayFraction + "; name a shards folder");
    }
    if (replayFraction > 0 && replayRows(batchSize, replayFraction) == 0) {
      throw r.error("fraction", "(" + replayFraction + ") of batch-size " + batchSize + " rounds to no row");
    }
    return new SftSettings(
        c.requiredString("data"),
        c.requiredString("base"),
        c.requiredString("output"),
        c.bool("overwrite"),
        c.bool("resume"),
        c.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE),
        batchSize,
        c.bool("group-by-length"),
        c.intIn("max-steps", 1, Integer.MAX_VALUE),
        OptimizerSettings.from(c.at("optimizer"), c.intIn("grad-accum-steps", 1, 1 << 20)),
        lora,
        trainableTokens(c.at("lora")),
        c.doubleIn("neftune-noise-alpha", 0, 1e3),
        replayShards,
        replayFraction,
        c.intIn("eval-interval", 1, Integer.MAX_VALUE),
        c.intIn("eval-batches", 0, 1 << 20),
        c.intIn("checkpoint-interval", 1, Integer.MAX_VALUE),
        c.intIn("keep-last", 1, 1000),
        c.intIn("log-interval", 1, Integer.MAX_VALUE),
        c.doubleIn("peak-tflops", 0, 1e6),
        c.at("distributed").intIn("workers", 0, 4096),
        c.at("distributed").intIn("exchange-timeout-seconds", 1, 7 * 24 * 3600));
  }

  private static List<String> trainableTokens(ConfigReader lora) {
    List<String> tokens = lora.strings("trainable-tokens");
    for (String t : tokens) {
      if (t.isBlank()) {
        throw lora.error("trainable-tokens", "has an empty entry; name special tokens such as <|end|>");
      }
    }
    return List.copyOf(tokens);
  }

  /** Rows of each micro-batch that come from the replay shards. */
  public int replayRows() {
    return replayRows(batchSize, replayFraction);
  }

  private static int replayRows(int batchSize, double fraction) {
    return Math.min(batchSize - 1, (int) Math.round(batchSize * fraction));
  }
}
