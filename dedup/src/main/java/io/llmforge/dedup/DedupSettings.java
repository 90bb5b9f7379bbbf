package io.llmforge.dedup;

import io.llmforge.pipeline.config.ConfigReader;
import java.util.List;

/**
 * Everything the dedup job reads from section {@code dedup} of its configuration (defaults in
 * {@code conf/dedup.conf}), validated before any work starts.
 *
 * @param broadcastRows a join side with at most this many rows is broadcast instead of shuffling the large side
 * @param driverMaxDocuments up to this many documents, candidate pairs are found on the driver
 *                           ({@link DriverCandidates}); above it, distributed ({@link CandidatePairs})
 * @param checkpointDir "" for local checkpoints in connected components, else a reliable checkpoint folder
 * @param driverMaxEdges up to this many verified pairs, connected components run on the driver
 *                       ({@link DriverComponents}); above it, distributed ({@link ConnectedComponents})
 */
public record DedupSettings(
    List<String> inputs,
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
    long driverMaxDocuments,
    int maxIterations,
    String checkpointDir,
    long driverMaxEdges) {

  /** The most MinHash values (buckets) per document: each costs a long per document in memory. */
  public static final int MAX_HASHES = 4096;

  public DedupSettings {
    inputs = List.copyOf(inputs);
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
    List<String> inputs = c.strings("input");
    if (inputs.isEmpty() || inputs.stream().anyMatch(String::isBlank)) {
      throw c.error("input", "is required: the documents Parquet folder(s) to deduplicate");
    }
    return new DedupSettings(
        inputs,
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
        c.longIn("driver-max-documents", 0, 10_000_000L),
        c.intIn("connected-components.max-iterations", 1, 10_000),
        c.string("connected-components.checkpoint-dir"),
        c.longIn("connected-components.driver-max-edges", 0, 100_000_000L));
  }

  /** A copy reading {@code newInputs} and writing {@code newOutput}; for tests and benchmarks. */
  public DedupSettings withPaths(List<String> newInputs, String newOutput) {
    return new DedupSettings(newInputs, newOutput, overwrite, shingleSize, bands, threshold, verify, maxBucketSize,
        representative, qualitySignal, partitions, outputPartitions, broadcastRows, driverMaxDocuments,
        maxIterations, checkpointDir,
        driverMaxEdges);
  }
}
