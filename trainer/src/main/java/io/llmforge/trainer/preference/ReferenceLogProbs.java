package io.llmforge.trainer.preference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.engine.GptEngine;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The frozen reference's answer log-probs, computed once in a first pass and stored in the run folder
 * ({@code reference_logps.json}), so the reference model costs no memory or time while the policy trains, and a
 * resumed run reuses them. Each example has one value per model row the algorithm scores it with (DPO: chosen and
 * rejected; KTO: its answer and the mismatched answer of its KL estimate). The file names the reference checkpoint
 * and the data (the sha256 of their files): a different reference or data is computed afresh.
 */
public final class ReferenceLogProbs {
  public static final String FILE = "reference_logps.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, double[]> byId;

  private ReferenceLogProbs(Map<String, double[]> byId) {
    this.byId = byId;
  }

  /** The reference's log-probs of example {@code id}, in the order of its {@link RowLayout#rows}. */
  public double[] of(String id) {
    double[] v = byId.get(id);
    if (v == null) {
      throw new IllegalStateException("no reference log-probs for example " + id + " in " + FILE);
    }
    return v;
  }

  public int size() {
    return byId.size();
  }

  /** What the stored log-probs belong to: the algorithm's rows, the reference checkpoint, the data's file hashes. */
  static String key(String layout, Path reference, PreferenceManifest manifest) {
    StringBuilder k = new StringBuilder(layout + ":" + Checkpoint.readState(reference).step() + ":");
    try {
      k.append(JSON.readTree(Files.readString(reference.resolve(Checkpoint.STATE))).path("files").toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + reference.resolve(Checkpoint.STATE), e);
    }
    manifest.files().forEach(f -> k.append('|').append(f.sha256()));
    return io.llmforge.pipeline.tokenizer.Sha256.hex(k.toString());
  }

  /** The stored log-probs of {@code run}, if they belong to this reference and data. */
  public static Optional<ReferenceLogProbs> read(Path run, String key) {
    Path file = run.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      JsonNode root = JSON.readTree(Files.readString(file));
      if (!key.equals(root.path("key").asText())) {
        return Optional.empty();
      }
      Map<String, double[]> m = new HashMap<>();
      JsonNode ids = root.path("ids");
      JsonNode values = root.path("logps");
      for (int i = 0; i < ids.size(); i++) {
        JsonNode row = values.get(i);
        double[] v = new double[row.size()];
        for (int j = 0; j < v.length; j++) {
          v[j] = row.get(j).asDouble();
        }
        m.put(ids.get(i).asText(), v);
      }
      return Optional.of(new ReferenceLogProbs(m));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // unreadable: computed again
    }
  }

  /**
   * Computes the reference log-probs of each split's examples with {@code reference} and writes them atomically.
   * Each split is batched from its start as the held-out evaluation batches it ({@link RowLayout#batches}), so at
   * step 0 the policy's log-probs of held-out examples are bit for bit the reference's (accuracy exactly 0.5).
   */
  public static <T> ReferenceLogProbs compute(GptEngine reference, int padId, RowLayout<T> layout,
      List<List<T>> splits, int batchSize, Path run, String key, String job, PrintStream console) {
    AnswerLogProbs logps = new AnswerLogProbs(reference, padId);
    ArrayNode ids = JSON.createArrayNode();
    ArrayNode values = JSON.createArrayNode();
    Map<String, double[]> m = new HashMap<>();
    long t0 = System.nanoTime();
    int total = 0;
    for (List<T> examples : splits) {
      total += examples.size();
      for (List<T> batch : RowLayout.batches(examples, batchSize)) {
        double[][] v = layout.score(logps, batch);
        for (int i = 0; i < batch.size(); i++) {
          String id = layout.id(batch.get(i));
          ids.add(id);
          ArrayNode row = values.addArray();
          for (double x : v[i]) {
            row.add(x);
          }
          m.put(id, v[i]);
        }
      }
    }
    ObjectNode root = JSON.createObjectNode();
    root.put("key", key);
    root.set("ids", ids);
    root.set("logps", values);
    try {
      Files.createDirectories(run);
      Path tmp = run.resolve("." + FILE + ".tmp");
      Files.writeString(tmp, root.toString());
      Files.move(tmp, run.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + run.resolve(FILE), e);
    }
    console.printf(java.util.Locale.ROOT, "%s: reference log-probs of %d examples computed in %.1f s, stored in %s%n",
        job, total, (System.nanoTime() - t0) / 1e9, run.resolve(FILE));
    return new ReferenceLogProbs(m);
  }
}
