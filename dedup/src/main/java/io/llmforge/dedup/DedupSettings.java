package io.llmforge.dedup;

import io.llmforge.pipeline.config.ConfigReader;

/**
 * Everything the dedup job reads from section {@code dedup} of its configuration (defaults in
 * {@code conf/dedup.conf}), validated before any work starts.
 *
 * @param broadcastRows a join side with at most this many rows is broadcast instead of shuffling the large side
 * @param checkpointDir "" for local checkpoints in connected components, else a reliable checkpoint folder
 */
public record DedupSettings(
    String input,
    String output,
    boolean overwrite,
    int shingleSize,
    LshBands bands,
    double threshold,
    VerifyMode verify,
    int maxBucketSize,
    RepresentativePolicy representative,
    String qualitySignal,
    int partitions,
    int outputPartitions,
    long broadcastRows,
    int maxIterations,
    String checkpointDir) {

  /** The most MinHash values per document; MinHashFilter keeps one bucket per value. */
  public static final int MAX_HASHES = 4096;

  public DedupSettings {
    if (bands.numHashes() > MAX_HASHES) {
      throw new IllegalArgumentException("bands x rows = " + bands.numHashes() + " > " + MAX_HASHES);
    }
  }

  public static DedupSettings from(ConfigReader config) {
    ConfigReader c = config.at("dedup");
    int bands = c.intIn("bands", 1, MAX_HASHES);
    int rows = c.intIn("rows", 1, MAX_HASHES);
    if ((long) bands * rows > MAX_HASHES) {
      throw c.error("rows", "gives bands x rows = " + (long) bands * rows + " MinHash values, at most "
          + MAX_HASHES + " are supported");
    }
    return new DedupSettings(
        c.requiredString("input"),
        c.requiredString("output"),
        c.bool("overwrite"),
        c.intIn("shingle-size", 1, 32),
        new LshBands(bands, rows),
        c.doubleIn("threshold", 0.01, 1.0),
        c.enumValue("verify", VerifyMode.class),
        c.intIn("max-bucket-size", 2, 1_000_000),
        c.enumValue("representative", RepresentativePolicy.class),
        c.string("quality-signal"),
        c.intIn("partitions", 0, 1_000_000),
        c.intIn("output-partitions", 0, 1_000_000),
        c.longIn("broadcast-rows", 0, 1_000_000_000L),
        c.intIn("connected-components.max-iterations", 1, 10_000),
        c.string("connected-components.checkpoint-dir"));
  }

  /** A copy reading {@code input} and writing {@code output}; for tests and benchmarks. */
  public DedupSettings withPaths(String newInput, String newOutput) {
    return new DedupSettings(newInput, newOutput, overwrite, shingleSize, bands, threshold, verify, maxBucketSize,
        representative, qualitySignal, partitions, outputPartitions, broadcastRows, maxIterations, checkpointDir);
  }
}
