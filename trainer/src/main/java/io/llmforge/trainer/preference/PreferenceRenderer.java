package io.llmforge.trainer.preference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmforge.pipeline.shards.StableHash;
import io.llmforge.trainer.sft.BadConversation;
import io.llmforge.trainer.sft.ChatTemplate;
import io.llmforge.trainer.sft.Message;
import io.llmforge.trainer.sft.RawRow;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-row logic of {@code pref-prepare}, without Spark: a {@link RawRow} parsed ({@link PreferenceFormat}),
 * rendered with the chat template as prompt + answer + {@code <|end|>} for each answer, and assigned to the train or
 * val split by a stable hash of its prompt (so every answer to one prompt lands on the same side, and the held-out
 * set stays fixed as data grows). Unpaired (KTO) rows go to {@link #UNPAIRED}, their held-out flag drawn the same way.
 *
 * <p>Too long: the prompt keeps its system message and drops its oldest user/assistant exchanges until prompt plus
 * the longer answer fit {@code maxTokens}; when not even the last user turn fits, the row is rejected (too_long).
 * Answers are never cut: the reward is read at the answer's closing {@code <|end|>}. Unless {@code truncate} (TRL's
 * truncation for DPO / KTO, whose log-probs need no closing token): then such a row keeps its system message and last
 * user turn, the prompt cut to half the block by dropping ids after its first (the role marker: the start of the
 * text goes, its end, nearest the answer, stays), and each answer cut at its end to fill the rest. A pair whose
 * answers become the same ids is rejected (identical_answers).
 */
public final class PreferenceRenderer implements Serializable {
  public static final String TRAIN = "train";
  public static final String VAL = "val";
  public static final String UNPAIRED = "unpaired";
  public static final String REJECT = "reject";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int RAW_CHARS_KEPT = 4000;

  private final PreferenceFormat format;
  private final int maxTokens;
  private final double valFraction;
  private final long seed;
  private final HashMap<String, Long> fileTimes;
  private final boolean truncate;

  /**
   * @param maxTokens ids per rendered answer row (the model's block size)
   * @param fileTimes each input file's modification time (ms): the created_at of its rows that give none
   */
  public PreferenceRenderer(PreferenceFormat format, int maxTokens, double valFraction, long seed,
      Map<String, Long> fileTimes, boolean truncate) {
    this.truncate = truncate;
    this.format = format;
    this.maxTokens = maxTokens;
    this.valFraction = valFraction;
    this.seed = seed;
    this.fileTimes = new HashMap<>(fileTimes);
  }

  /**
   * A rendered row.
   *
   * @param chosen       prompt + chosen answer + {@code <|end|>} (for an unpaired row: its answer)
   * @param rejected     prompt + rejected answer + {@code <|end|>}; null for an unpaired row
   * @param promptTokens ids of the prompt, shared by both rows
   * @param createdAt    ms since the epoch
   */
  public record Rendered(int[] chosen, int[] rejected, int promptTokens, boolean desirable, String promptText,
      String chosenText, String rejectedText, long createdAt, double margin, int droppedTurns, String source,
      boolean heldOut, boolean truncated) {}

  public record Outcome(String id, String file, String split, Rendered rendered, String reason, String detail,
      String raw) {
    public boolean rejected() {
      return split.equals(REJECT);
    }
  }

  public Outcome apply(RawRow row, ChatTemplate template) {
    if (row.reason() != null) {
      return reject(row, row.reason(), row.detail());
    }
    JsonNode node;
    try {
      node = JSON.readTree(row.json());
    } catch (Exception e) {
      String m = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
      return reject(row, BadConversation.INVALID_JSON, m);
    }
    try {
      PreferenceRow parsed = format.parse(node);
      long createdAt = parsed.createdAt() != null ? parsed.createdAt().toEpochMilli()
          : fileTimes.getOrDefault(row.source(), 0L);
      String source = parsed.source().isBlank() ? fileName(row.source()) : parsed.source();
      String key = promptKey(parsed.prompt());
      boolean heldOut = StableHash.unit(seed, "pref-split", key) < valFraction;
      Rendered r;
      String split;
      if (parsed instanceof PreferenceRow.Pair p) {
        int[][] rows = fit(template, p.prompt(), List.of(p.chosen(), p.rejected()));
        if (java.util.Arrays.equals(rows[1], rows[2])) {
          throw new BadConversation(PreferenceFormat.IDENTICAL_ANSWERS, "the answers are the same ids once cut to "
              + maxTokens + " tokens");
        }
        r = new Rendered(rows[1], rows[2], rows[0][0], true, promptText(p.prompt()), p.chosen(), p.rejected(),
            createdAt, p.margin(), rows[0][1], source, heldOut, rows[0][2] == 1);
        split = heldOut ? VAL : TRAIN;
      } else {
        PreferenceRow.Unpaired u = (PreferenceRow.Unpaired) parsed;
        int[][] rows = fit(template, u.prompt(), List.of(u.answer()));
        r = new Rendered(rows[1], null, rows[0][0], u.desirable(), promptText(u.prompt()), u.answer(), null,
            createdAt, 0, rows[0][1], source, heldOut, rows[0][2] == 1);
        split = UNPAIRED;
      }
      return new Outcome(row.id(), row.source(), split, r, null, null, null);
    } catch (BadConversation e) {
      return reject(row, e.reason(), e.getMessage());
    }
  }

  /**
   * {prompt ids, dropped exchanges, 1 if cut}, then one row per answer: the prompt with as many of its latest
   * exchanges as let the longest answer fit (or, with truncate, the cut rows).
   */
  private int[][] fit(ChatTemplate template, List<Message> prompt, List<String> answers) throws BadConversation {
    List<Message> system = prompt.isEmpty() || !prompt.get(0).role().equals(Message.SYSTEM) ? List.of()
        : prompt.subList(0, 1);
    List<Message> turns = prompt.subList(system.size(), prompt.size());
    List<int[]> completions = new ArrayList<>();
    int longest = 0;
    for (String a : answers) {
      int[] c = template.completion(a);
      completions.add(c);
      longest = Math.max(longest, c.length);
    }
    int[] p = null;
    int drop = 0;
    for (; drop < turns.size(); drop += 2) {
      List<Message> kept = new ArrayList<>(system);
      kept.addAll(turns.subList(drop, turns.size()));
      p = template.prompt(kept);
      if (p.length + longest <= maxTokens) {
        return rows(p, completions, drop / 2, false);
      }
    }
    if (truncate && p != null) {
      int budget = maxTokens / 2;
      if (p.length > budget) {
        int[] cut = new int[budget];
        cut[0] = p[0];
        System.arraycopy(p, p.length - (budget - 1), cut, 1, budget - 1);
        p = cut;
      }
      List<int[]> cutAnswers = new ArrayList<>();
      for (int[] c : completions) {
        cutAnswers.add(java.util.Arrays.copyOf(c, Math.min(c.length, maxTokens - p.length)));
      }
      return rows(p, cutAnswers, (drop - 2) / 2, true);
    }
    throw new BadConversation(BadConversation.TOO_LONG, "the last user turn and the longer answer need more than "
        + maxTokens + " tokens");
  }

  private static int[][] rows(int[] prompt, List<int[]> completions, int dropped, boolean cut) {
    int[][] out = new int[completions.size() + 1][];
    out[0] = new int[] {prompt.length, dropped, cut ? 1 : 0};
    for (int i = 0; i < completions.size(); i++) {
      out[i + 1] = new int[prompt.length + completions.get(i).length];
      System.arraycopy(prompt, 0, out[i + 1], 0, prompt.length);
      System.arraycopy(completions.get(i), 0, out[i + 1], prompt.length, completions.get(i).length);
    }
    return out;
  }

  /** The prompt as one string, the split's hash key (roles included, so "user: x" and a system "x" differ). */
  static String promptKey(List<Message> prompt) {
    StringBuilder b = new StringBuilder();
    for (Message m : prompt) {
      b.append(m.role()).append('\u0000').append(m.content()).append('\u0001');
    }
    return b.toString();
  }

  /** The prompt as readable text (for baselines and people reading the Parquet). */
  static String promptText(List<Message> prompt) {
    StringBuilder b = new StringBuilder();
    for (Message m : prompt) {
      b.append(m.role()).append(": ").append(m.content()).append('\n');
    }
    return b.toString();
  }

  private static String fileName(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? path : path.substring(slash + 1);
  }

  private static Outcome reject(RawRow row, String reason, String detail) {
    String raw = row.json() == null ? null
        : row.json().length() <= RAW_CHARS_KEPT ? row.json() : row.json().substring(0, RAW_CHARS_KEPT);
    return new Outcome(row.id(), row.source(), REJECT, null, reason, detail, raw);
  }
}
