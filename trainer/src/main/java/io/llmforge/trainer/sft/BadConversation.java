package io.llmforge.trainer.sft;

/**
 * Why a conversation row cannot be trained on: a short snake_case {@code reason} (counted in stats.json, kept in the
 * rejects table) and a human-readable detail.
 */
public final class BadConversation extends Exception {
  /** Reasons, so counts are stable across runs and easy to grep. */
  public static final String INVALID_JSON = "invalid_json";
  public static final String UNREADABLE_INPUT = "unreadable_input";
  public static final String UNKNOWN_FORMAT = "unknown_format";
  public static final String MISSING_FIELD = "missing_field";
  public static final String UNKNOWN_ROLE = "unknown_role";
  public static final String EMPTY_TURN = "empty_turn";
  public static final String EMPTY_ASSISTANT = "empty_assistant";
  public static final String NO_ASSISTANT_TURN = "no_assistant_turn";
  public static final String TURN_ORDER = "turn_order";
  public static final String TOO_LONG = "too_long";
  /** A training conversation with an answer longer than {@code sft-prepare.max-answer-tokens}. */
  public static final String ANSWER_TOO_LONG = "answer_too_long";

  private final String reason;

  public BadConversation(String reason, String detail) {
    super(detail);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
