package io.llmforge.trainer.judge;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmforge.trainer.preference.PreferenceFormat;
import io.llmforge.trainer.sft.BadConversation;
import io.llmforge.trainer.sft.ConversationFormat;
import io.llmforge.trainer.sft.Message;
import java.util.List;

/**
 * Two answers to one prompt, not yet judged: a row {@code {"prompt": a string or messages, "answers": [a, b]}}
 * (best-of-n writes its {@code pairs/} so). Rejected with the preference loader's reasons: no such fields, an empty
 * answer, the same answer twice (nothing to judge).
 */
public record CandidatePair(List<Message> prompt, String a, String b) {

  public static CandidatePair parse(JsonNode row) throws BadConversation {
    if (row == null || !row.isObject()) {
      throw new BadConversation(BadConversation.INVALID_JSON, "a row must be a JSON object");
    }
    List<Message> prompt = ConversationFormat.promptOf(row, "prompt");
    JsonNode answers = row.get("answers");
    if (answers == null || !answers.isArray() || answers.size() != 2 || !answers.get(0).isTextual()
        || !answers.get(1).isTextual()) {
      throw new BadConversation(BadConversation.MISSING_FIELD, "'answers' must be a list of two strings");
    }
    String a = answers.get(0).asText();
    String b = answers.get(1).asText();
    if (a.isBlank() || b.isBlank()) {
      throw new BadConversation(PreferenceFormat.EMPTY_ANSWER, "an answer is empty");
    }
    if (a.strip().equals(b.strip())) {
      throw new BadConversation(PreferenceFormat.IDENTICAL_ANSWERS, "the two answers are the same");
    }
    return new CandidatePair(prompt, a, b);
  }
}
