package io.llmforge.trainer.preference;

import io.llmforge.trainer.sft.SftDataset;
import java.util.List;
import java.util.function.LongPredicate;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;

/**
 * The pairs of one split of a {@code pref-prepare} output, in memory (preference sets are thousands to a few hundred
 * thousand pairs), every file checked against the manifest first.
 */
public final class PreferencePairs {

  /**
   * One rendered pair.
   *
   * @param chosen    prompt + chosen answer + {@code <|end|>}
   * @param createdAt ms since the epoch
   */
  public record Pair(String id, String source, long createdAt, int promptTokens, int[] chosen, int[] rejected,
      double margin, String promptText, String chosenText, String rejectedText) {

    /** The longer of the two rows, in ids. */
    public int length() {
      return Math.max(chosen.length, rejected.length);
    }
  }

  private PreferencePairs() {}

  /** The pairs of {@code split}, in file order. */
  public static List<Pair> load(Configuration conf, String folder, PreferenceManifest manifest, String split) {
    return SftDataset.read(conf, folder, manifest.filesOf(split), "pref-prepare", PreferencePairs::pair);
  }

  /** The pairs of {@code split} whose created_at passes {@code when}. */
  public static List<Pair> load(Configuration conf, String folder, PreferenceManifest manifest, String split,
      LongPredicate when) {
    return load(conf, folder, manifest, split).stream().filter(p -> when.test(p.createdAt())).toList();
  }

  private static Pair pair(Group g) {
    return new Pair(g.getString("id", 0), g.getFieldRepetitionCount("source") == 0 ? "" : g.getString("source", 0),
        g.getLong("created_at", 0), g.getInteger("prompt_tokens", 0), SftDataset.ints(g, "chosen_tokens"),
        SftDataset.ints(g, "rejected_tokens"), g.getDouble("margin", 0), g.getString("prompt_text", 0),
        g.getString("chosen_text", 0), g.getString("rejected_text", 0));
  }
}
