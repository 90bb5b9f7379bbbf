package io.llmforge.trainer.sft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmforge.pipeline.shards.StableHash;
import java.io.Serializable;
import java.util.Map;

/**
 * The per-row logic of {@code sft-prepare}, without Spark: a {@link RawRow} parsed in its format, placeholders
 * filled, rendered with the chat template, and assigned to the train or val split by a stable hash of its JSON text
 * (so the same conversation lands in the same split on every run, wherever it sits in the input). Every row comes
 * out as an {@link Outcome}: rendered, or rejected with a reason. An answer-length budget, when set, applies to the
 * training split only: the held-out rows stay a sample of the data as it is, so evaluation sees long answers too.
 */
public final class ConversationRenderer implements Serializable {
  public static final String TRAIN = "train";
  public static final String VAL = "val";
  public static final String REJECT = "reject";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int RAW_CHARS_KEPT = 4000;

  private final ConversationFormat format;
  private final Map<String, String> placeholders;
  private final ChatTemplate.Options options;
  private final int maxTokens;
  private final double valFraction;
  private final long seed;
  private final int maxAnswerTokens;

  /** @param maxTokens ids per rendered row: the model's block size + 1 */
  public ConversationRenderer(ConversationFormat format, Map<String, String> placeholders,
      ChatTemplate.Options options, int maxTokens, double valFraction, long seed) {
    this(format, placeholders, options, maxTokens, valFraction, seed, 0);
  }

  /**
   * @param maxAnswerTokens a training row whose longest answer, its {@code <|end|>} included, has more tokens is
   *                        rejected ({@link BadConversation#ANSWER_TOO_LONG}); 0: no limit
   */
  public ConversationRenderer(ConversationFormat format, Map<String, String> placeholders,
      ChatTemplate.Options options, int maxTokens, double valFraction, long seed, int maxAnswerTokens) {
    this.maxAnswerTokens = maxAnswerTokens;
    this.format = format;
    this.placeholders = Map.copyOf(placeholders);
    this.options = options;
    this.maxTokens = maxTokens;
    this.valFraction = valFraction;
    this.seed = seed;
  }

  /**
   * @param split  {@link #TRAIN}, {@link #VAL} or {@link #REJECT}
   * @param raw    the row's text as read (cut to a few thousand characters), for rejects
   */
  public record Outcome(String id, String source, String split, ChatTemplate.Rendered rendered, String reason,
      String detail, String raw) {
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
      return reject(row, BadConversation.INVALID_JSON, firstLine(e.getMessage()));
    }
    try {
      Conversation c = format.parse(node).fill(placeholders);
      ChatTemplate.Rendered r = template.render(c, options, maxTokens);
      String split = StableHash.unit(seed, "sft-split", row.json()) < valFraction ? VAL : TRAIN;
      // 0 where the budget does not apply (no budget, or a held-out row), so it never rejects
      int longest = split.equals(TRAIN) && maxAnswerTokens > 0 ? template.longestAnswer(r) : 0;
      if (longest > maxAnswerTokens) {
        return reject(row, BadConversation.ANSWER_TOO_LONG, "an answer of " + longest
            + " tokens (end included) is longer than sft-prepare.max-answer-tokens = " + maxAnswerTokens
            + " (training split only)");
      }
      return new Outcome(row.id(), row.source(), split, r, null, null, null);
    } catch (BadConversation e) {
      return reject(row, e.reason(), e.getMessage());
    }
  }

  private static Outcome reject(RawRow row, String reason, String detail) {
    String raw = row.json() == null ? null
        : row.json().length() <= RAW_CHARS_KEPT ? row.json() : row.json().substring(0, RAW_CHARS_KEPT);
    return new Outcome(row.id(), row.source(), REJECT, null, reason, detail, raw);
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("");
  }
}
