package io.llmforge.trainer.preference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.preference.PreferencePairs.Pair;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The frozen reference's answer log-probs, computed once in a first pass and stored in the run folder
 * ({@code reference_logps.json}), so the reference model costs no memory or time while the policy trains, and a
 * resumed run reuses them. The file names the reference checkpoint and the data (the sha256 of their files): a
 * different reference or data is computed afresh.
 */
public final class ReferenceLogProbs {
  public static final String FILE = "reference_logps.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reference log-probs of a pair's chosen and rejected answers. */
  public record Entry(double chosen, double rejected) {}

  private final Map<String, Entry> byId;

  private ReferenceLogProbs(Map<String, Entry> byId) {
    this.byId = byId;
  }

  public Entry of(Pair p) {
    Entry e = byId.get(p.id());
    if (e == null) {
      throw new IllegalStateException("no reference log-probs for pair " + p.id() + " in " + FILE);
    }
    return e;
  }

  public int size() {
    return byId.size();
  }

  /** What the stored log-probs belong to: the reference checkpoint and the data manifest's file hashes. */
  static String key(Path reference, PreferenceManifest manifest) {
    StringBuilder k = new StringBuilder(Checkpoint.readState(reference).step() + ":");
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
      Map<String, Entry> m = new HashMap<>();
      JsonNode ids = root.path("ids");
      JsonNode chosen = root.path("chosen");
      JsonNode rejected = root.path("rejected");
      for (int i = 0; i < ids.size(); i++) {
        m.put(ids.get(i).asText(), new Entry(chosen.get(i).asDouble(), rejected.get(i).asDouble()));
      }
      return Optional.of(new ReferenceLogProbs(m));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // unreadable: computed again
    }
  }

  /**
   * Computes the reference log-probs of each split's pairs with {@code reference} and writes them atomically. Each
   * split is batched from its start as the held-out evaluation batches it, so at step 0 the policy's log-probs of
   * held-out pairs are bit for bit the reference's (accuracy exactly 0.5, margin 0).
   */
  public static ReferenceLogProbs compute(GptEngine reference, int padId, List<List<Pair>> splits, int batchSize,
      Path run, String key, PrintStream console) {
    AnswerLogProbs logps = new AnswerLogProbs(reference, padId);
    ArrayNode ids = JSON.createArrayNode();
    ArrayNode chosen = JSON.createArrayNode();
    ArrayNode rejected = JSON.createArrayNode();
    Map<String, Entry> m = new HashMap<>();
    long t0 = System.nanoTime();
    int total = 0;
    for (List<Pair> pairs : splits) {
      total += pairs.size();
      for (int from = 0; from < pairs.size(); from += batchSize) {
        List<Pair> batch = pairs.subList(from, Math.min(pairs.size(), from + batchSize));
        double[] s = logps.forward(rows(batch), prompts(batch));
        for (int i = 0; i < batch.size(); i++) {
          ids.add(batch.get(i).id());
          chosen.add(s[2 * i]);
          rejected.add(s[2 * i + 1]);
          m.put(batch.get(i).id(), new Entry(s[2 * i], s[2 * i + 1]));
        }
      }
    }
    ObjectNode root = JSON.createObjectNode();
    root.put("key", key);
    root.set("ids", ids);
    root.set("chosen", chosen);
    root.set("rejected", rejected);
    try {
      Files.createDirectories(run);
      Path tmp = run.resolve("." + FILE + ".tmp");
      Files.writeString(tmp, root.toString());
      Files.move(tmp, run.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + run.resolve(FILE), e);
    }
    console.printf(java.util.Locale.ROOT, "dpo: reference log-probs of %d pairs computed in %.1f s, stored in %s%n",
        total, (System.nanoTime() - t0) / 1e9, run.resolve(FILE));
    return new ReferenceLogProbs(m);
  }

  /** The model rows of pairs: chosen_0, rejected_0, chosen_1, ... */
  static List<int[]> rows(List<Pair> batch) {
    List<int[]> rows = new ArrayList<>(2 * batch.size());
    for (Pair p : batch) {
      rows.add(p.chosen());
      rows.add(p.rejected());
    }
    return rows;
  }

  /** The prompt length of each row of {@link #rows}. */
  static int[] prompts(List<Pair> batch) {
    int[] out = new int[2 * batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      out[2 * i] = batch.get(i).promptTokens();
      out[2 * i + 1] = batch.get(i).promptTokens();
    }
    return out;
  }
}
