package io.llmforge.trainer.pretrain;

import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.optim.OptimizerSettings;

import io.llmforge.pipeline.config.ConfigReader;
import java.io.Serializable;

/**
 * The pretrain job's settings, read and validated from {@code pretrain.*} (conf/pretrain.conf) before any work.
 * The model's vocabulary and context length are not here: they come from the shards' manifest. Serializable: data-
 * parallel training ships them to every Spark executor.
 *
 * @param keepLast               checkpoints (step-N folders) kept; older ones are deleted
 * @param workers                data-parallel workers (Spark barrier tasks); 0 trains in this process without Spark
 * @param exchangeTimeoutSeconds how long a worker waits for its neighbour's gradients before the run fails
 */
public record PretrainSettings(
    String shards,
    String output,
    boolean overwrite,
    boolean resume,
    int nLayer,
    int nHead,
    int nEmbd,
    double dropout,
    long seed,
    int batchSize,
    int maxSteps,
    OptimizerSettings optimizer,
    int evalInterval,
    int evalBatches,
    int checkpointInterval,
    int keepLast,
    int logInterval,
    double peakTflops,
    int workers,
    int exchangeTimeoutSeconds) implements Serializable {

  public static PretrainSettings from(ConfigReader root) {
    ConfigReader c = root.at("pretrain");
    ConfigReader m = c.at("model");
    ConfigReader o = c.at("optimizer");
    int nHead = m.intIn("n-head", 1, 1024);
    int nEmbd = m.intIn("n-embd", 1, 1 << 16);
    if (nEmbd % nHead != 0) {
      throw m.error("n-embd", "(" + nEmbd + ") must be a multiple of n-head (" + nHead + ")");
    }
    double dropout = m.doubleIn("dropout", 0, 0);
    OptimizerSettings optimizer = OptimizerSettings.from(o, c.intIn("grad-accum-steps", 1, 1 << 20));
    return new PretrainSettings(
        c.requiredString("shards"),
        c.requiredString("output"),
        c.bool("overwrite"),
        c.bool("resume"),
        m.intIn("n-layer", 1, 1024),
        nHead,
        nEmbd,
        dropout,
        m.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE),
        c.intIn("batch-size", 1, 1 << 20),
        c.intIn("max-steps", 1, Integer.MAX_VALUE),
        optimizer,
        c.intIn("eval-interval", 1, Integer.MAX_VALUE),
        c.intIn("eval-batches", 1, 1 << 20),
        c.intIn("checkpoint-interval", 1, Integer.MAX_VALUE),
        c.intIn("keep-last", 1, 1000),
        c.intIn("log-interval", 1, Integer.MAX_VALUE),
        c.doubleIn("peak-tflops", 0, 1e6),
        c.at("distributed").intIn("workers", 0, 4096),
        c.at("distributed").intIn("exchange-timeout-seconds", 1, 7 * 24 * 3600));
  }

  /** The model for shards of this vocabulary size and sequence length. */
  public GptConfig model(int vocabSize, int seqLen) {
    return new GptConfig(vocabSize, seqLen, nLayer, nHead, nEmbd, dropout, seed);
  }
}
