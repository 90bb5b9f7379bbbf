package io.llmforge.trainer.preference;

import io.llmforge.trainer.preference.PreferencePairs.Pair;
import io.llmforge.trainer.sft.SftDataset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;

/**
 * KTO's examples of one split of a {@code pref-prepare} output: its unpaired rows (LLaMA-Factory's kto sets, with
 * the held-out flag pref-prepare drew for them) and, optionally, every pair split into a desirable and an
 * undesirable row. Each example is also given its fixed mismatched row for the KL estimate.
 */
public final class KtoExamples {

  /**
   * One labelled answer.
   *
   * @param tokens          prompt + answer + {@code <|end|>}
   * @param desirable       KTO's label: thumbs up
   * @param mismatched      this example's prompt + another example's answer (a different prompt's): the row whose
   *                        policy/reference log-ratio estimates the KL term (KTO's z0), never back-propagated
   */
  public record Example(String id, int promptTokens, int[] tokens, boolean desirable, int[] mismatched) {

    int length() {
      return Math.max(tokens.length, mismatched.length);
    }
  }

  private KtoExamples() {}

  /**
   * The examples of {@code split} (TRAIN or VAL): unpaired rows first, then the pairs' rows if {@code pairs}, in file
   * order. Mismatched rows are fixed per (data, seed): each example takes the answer of the next one, in a seeded
   * shuffle, whose prompt differs; the reference's log-probs of them can then be computed once. A mismatched row is
   * cut to {@code maxIds}.
   */
  public static List<Example> load(Configuration conf, String folder, PreferenceManifest manifest, String split,
      boolean pairs, int maxIds, long seed) {
    boolean heldOut = PreferencePrepareJob.VAL.equals(split);
    List<Example> labelled = new ArrayList<>();
    for (Unpaired u : SftDataset.read(conf, folder, manifest.filesOf(PreferencePrepareJob.UNPAIRED), "pref-prepare",
        KtoExamples::unpaired)) {
      if (u.heldOut() == heldOut) {
        labelled.add(u.example());
      }
    }
    if (pairs) {
      for (Pair p : PreferencePairs.load(conf, folder, manifest, split)) {
        labelled.add(new Example(p.id() + "#chosen", p.promptTokens(), p.chosen(), true,
            null));
        labelled.add(new Example(p.id() + "#rejected", p.promptTokens(), p.rejected(),
            false, null));
      }
    }
    return withMismatched(labelled, maxIds, seed);
  }

  /** Gives each example its mismatched row (see {@link #load}). */
  static List<Example> withMismatched(List<Example> examples, int maxIds, long seed) {
    int n = examples.size();
    List<Integer> order = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(seed));
    int[] position = new int[n];
    for (int k = 0; k < n; k++) {
      position[order.get(k)] = k;
    }
    List<Example> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Example e = examples.get(i);
      Example other = e;
      for (int step = 1; step < n; step++) {
        Example candidate = examples.get(order.get((position[i] + step) % n));
        if (!samePrompt(e, candidate)) {
          other = candidate;
          break;
        }
      }
      int answer = other.tokens().length - other.promptTokens();
      int keep = Math.min(answer, maxIds - e.promptTokens());
      int[] row = Arrays.copyOf(e.tokens(), e.promptTokens() + keep);
      System.arraycopy(other.tokens(), other.promptTokens(), row, e.promptTokens(), keep);
      out.add(new Example(e.id(), e.promptTokens(), e.tokens(), e.desirable(), row));
    }
    return out;
  }

  private static boolean samePrompt(Example a, Example b) {
    return a.promptTokens() == b.promptTokens()
        && Arrays.equals(a.tokens(), 0, a.promptTokens(), b.tokens(), 0, b.promptTokens());
  }

  private record Unpaired(Example example, boolean heldOut) {}

  private static Unpaired unpaired(Group g) {
    return new Unpaired(new Example(g.getString("id", 0), g.getInteger("prompt_tokens", 0),
        SftDataset.ints(g, "tokens"), g.getBoolean("label", 0), null), g.getBoolean("heldout", 0));
  }
}
