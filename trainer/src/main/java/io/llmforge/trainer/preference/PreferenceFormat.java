package io.llmforge.trainer.preference;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmforge.trainer.sft.BadConversation;
import io.llmforge.trainer.sft.Conversation;
import io.llmforge.trainer.sft.ConversationFormat;
import io.llmforge.trainer.sft.Message;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The row formats of preference data, each mapped to a {@link PreferenceRow}:
 *
 * <ul>
 *   <li>{@code generic} (DESIGN.md): {@code prompt} (a string, or messages [{role, content}]), {@code chosen} and
 *   {@code rejected} (strings, or an assistant message, or TRL's one-message lists), optional {@code system},
 *   {@code source}, {@code created_at}, {@code margin};</li>
 *   <li>{@code hh-rlhf} (Anthropic): {@code chosen} and {@code rejected} are whole dialogues of
 *   {@code \n\nHuman:} / {@code \n\nAssistant:} turns; the prompt is everything before the last Assistant turn, which
 *   must be the same in both (consecutive turns of one speaker, a known artefact of the set, are joined);</li>
 *   <li>{@code ranking} (LLaMA-Factory): {@code conversations} [{from, value}] and {@code chosen} / {@code rejected}
 *   {from, value};</li>
 *   <li>{@code kto} (LLaMA-Factory): {@code messages} ending with the assistant's answer and a boolean {@code label};
 *   </li>
 *   <li>{@code auto}: whichever the row's keys say.</li>
 * </ul>
 * Every format may carry {@code created_at}: an ISO-8601 instant or date-time (UTC when no offset is given), a date,
 * or a number of seconds since the epoch.
 */
public enum PreferenceFormat {
  AUTO, GENERIC, HH_RLHF, RANKING, KTO;

  public static final String IDENTICAL_ANSWERS = "identical_answers";
  public static final String EMPTY_ANSWER = "empty_answer";
  public static final String MALFORMED_DIALOGUE = "malformed_dialogue";
  public static final String BAD_CREATED_AT = "bad_created_at";

  private static final Pattern HH_TURN = Pattern.compile("\n\n(Human|Assistant):");

  /** Parses one row (a JSON object); the prompt's shape and the answers are validated. */
  public PreferenceRow parse(JsonNode row) throws BadConversation {
    if (row == null || !row.isObject()) {
      throw new BadConversation(BadConversation.INVALID_JSON, "a row must be a JSON object");
    }
    PreferenceFormat format = this == AUTO ? detect(row) : this;
    Instant createdAt = createdAt(row.get("created_at"));
    String source = optionalText(row, "source");
    PreferenceRow parsed = switch (format) {
      case GENERIC -> generic(row, source, createdAt);
      case HH_RLHF -> hhRlhf(row, source, createdAt);
      case RANKING -> ranking(row, source, createdAt);
      case KTO -> kto(row, source, createdAt);
      case AUTO -> throw new IllegalStateException();
    };
    validate(parsed);
    return parsed;
  }

  /** The format a row's keys say. */
  public static PreferenceFormat detect(JsonNode row) throws BadConversation {
    if (row.has("messages") && row.has("label")) {
      return KTO;
    }
    if (row.has("conversations") && row.has("chosen")) {
      return RANKING;
    }
    if (row.has("prompt") && row.has("chosen")) {
      return GENERIC;
    }
    if (row.path("chosen").isTextual() && row.path("rejected").isTextual()) {
      return HH_RLHF;
    }
    List<String> keys = new ArrayList<>();
    row.fieldNames().forEachRemaining(keys::add);
    throw new BadConversation(BadConversation.UNKNOWN_FORMAT, "no preference keys (prompt/chosen/rejected, "
        + "conversations + chosen, messages + label, or HH-RLHF dialogues); the row has " + keys);
  }

  private static PreferenceRow generic(JsonNode row, String source, Instant createdAt) throws BadConversation {
    List<Message> prompt = new ArrayList<>();
    String system = optionalText(row, "system");
    if (!system.isBlank()) {
      prompt.add(Message.system(system));
    }
    JsonNode p = row.get("prompt");
    if (p != null && p.isTextual()) {
      prompt.add(Message.user(p.asText()));
    } else if (p != null && p.isArray()) {
      for (JsonNode m : p) {
        prompt.add(new Message(role(text(m, "role")), text(m, "content")));
      }
    } else {
      throw new BadConversation(BadConversation.MISSING_FIELD, "'prompt' must be a string or a list of messages");
    }
    JsonNode margin = row.get("margin");
    if (margin != null && !margin.isNull() && !margin.isNumber()) {
      throw new BadConversation(BadConversation.MISSING_FIELD, "'margin' must be a number");
    }
    return new PreferenceRow.Pair(prompt, answer(row, "chosen"), answer(row, "rejected"), source, createdAt,
        margin == null || margin.isNull() ? 0 : margin.asDouble());
  }

  /** An answer field: a string, an assistant message ({role, content} or {from, value}), or a list of one. */
  private static String answer(JsonNode row, String key) throws BadConversation {
    JsonNode a = row.get(key);
    if (a != null && a.isArray() && a.size() == 1) {
      a = a.get(0);
    }
    if (a != null && a.isTextual()) {
      return a.asText();
    }
    if (a != null && a.isObject()) {
      String role = a.has("role") ? role(text(a, "role")) : speaker(text(a, "from"));
      if (!role.equals(Message.ASSISTANT)) {
        throw new BadConversation(BadConversation.TURN_ORDER, "'" + key + "' is a " + role + " message, not the "
            + "assistant's answer");
      }
      return a.has("content") ? text(a, "content") : text(a, "value");
    }
    throw new BadConversation(BadConversation.MISSING_FIELD, "'" + key + "' must be a string or an assistant message");
  }

  private static PreferenceRow hhRlhf(JsonNode row, String source, Instant createdAt) throws BadConversation {
    List<Message> chosen = dialogue(text(row, "chosen"), "chosen");
    List<Message> rejected = dialogue(text(row, "rejected"), "rejected");
    List<Message> prompt = chosen.subList(0, chosen.size() - 1);
    if (!prompt.equals(rejected.subList(0, rejected.size() - 1))) {
      throw new BadConversation(MALFORMED_DIALOGUE, "the chosen and rejected dialogues differ before their last "
          + "Assistant turn");
    }
    return new PreferenceRow.Pair(prompt, chosen.get(chosen.size() - 1).content(),
        rejected.get(rejected.size() - 1).content(), source, createdAt, 0);
  }

  /** {@code \n\nHuman: ...\n\nAssistant: ...} turns; the last one must be the Assistant's. */
  static List<Message> dialogue(String text, String field) throws BadConversation {
    Matcher m = HH_TURN.matcher(text);
    List<Message> turns = new ArrayList<>();
    int at = -1;
    String speaker = null;
    while (m.find()) {
      if (at < 0 && !text.substring(0, m.start()).isBlank()) {
        throw new BadConversation(MALFORMED_DIALOGUE, "'" + field + "' has text before its first Human: turn");
      }
      if (speaker != null) {
        addTurn(turns, speaker, text.substring(at, m.start()).strip());
      }
      speaker = m.group(1).equals("Human") ? Message.USER : Message.ASSISTANT;
      at = m.end();
    }
    if (speaker == null) {
      throw new BadConversation(MALFORMED_DIALOGUE, "'" + field + "' has no \\n\\nHuman: / \\n\\nAssistant: turns");
    }
    addTurn(turns, speaker, text.substring(at).strip());
    if (!turns.get(turns.size() - 1).role().equals(Message.ASSISTANT)) {
      throw new BadConversation(MALFORMED_DIALOGUE, "'" + field + "' does not end with an Assistant turn");
    }
    return turns;
  }

  /** A turn of the same speaker as the one before continues it (HH-RLHF has a few Assistant turns in a row). */
  private static void addTurn(List<Message> turns, String speaker, String text) {
    Message last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
    if (last != null && last.role().equals(speaker)) {
      turns.set(turns.size() - 1, new Message(speaker, last.content() + "\n\n" + text));
    } else {
      turns.add(new Message(speaker, text));
    }
  }

  private static PreferenceRow ranking(JsonNode row, String source, Instant createdAt) throws BadConversation {
    List<Message> prompt = shareGpt(row, "conversations");
    return new PreferenceRow.Pair(prompt, answer(row, "chosen"), answer(row, "rejected"), source, createdAt, 0);
  }

  private static PreferenceRow kto(JsonNode row, String source, Instant createdAt) throws BadConversation {
    JsonNode label = row.get("label");
    if (label == null || !label.isBoolean()) {
      throw new BadConversation(BadConversation.MISSING_FIELD, "'label' must be true or false");
    }
    List<Message> messages = new ArrayList<>();
    String system = optionalText(row, "system");
    if (!system.isBlank()) {
      messages.add(Message.system(system));
    }
    JsonNode list = row.get("messages");
    if (list == null || !list.isArray()) {
      throw new BadConversation(BadConversation.MISSING_FIELD, "'messages' must be a list");
    }
    for (JsonNode m : list) {
      messages.add(new Message(role(text(m, "role")), text(m, "content")));
    }
    if (messages.isEmpty() || !messages.get(messages.size() - 1).role().equals(Message.ASSISTANT)) {
      throw new BadConversation(BadConversation.NO_ASSISTANT_TURN, "'messages' must end with the assistant's answer");
    }
    return new PreferenceRow.Unpaired(messages.subList(0, messages.size() - 1),
        messages.get(messages.size() - 1).content(), label.asBoolean(), source, createdAt);
  }

  private static List<Message> shareGpt(JsonNode row, String key) throws BadConversation {
    List<Message> out = new ArrayList<>();
    String system = optionalText(row, "system");
    if (!system.isBlank()) {
      out.add(Message.system(system));
    }
    JsonNode list = row.get(key);
    if (list == null || !list.isArray()) {
      throw new BadConversation(BadConversation.MISSING_FIELD, "'" + key + "' must be a list");
    }
    for (JsonNode m : list) {
      out.add(new Message(speaker(text(m, "from")), text(m, "value")));
    }
    return out;
  }

  /** The prompt must be a conversation awaiting the assistant; answers non-empty; a pair's answers different. */
  private static void validate(PreferenceRow row) throws BadConversation {
    List<String> answers = row instanceof PreferenceRow.Pair p ? List.of(p.chosen(), p.rejected())
        : List.of(((PreferenceRow.Unpaired) row).answer());
    for (String a : answers) {
      if (a.isBlank()) {
        throw new BadConversation(EMPTY_ANSWER, "an answer is empty");
      }
    }
    if (row instanceof PreferenceRow.Pair p && p.chosen().strip().equals(p.rejected().strip())) {
      throw new BadConversation(IDENTICAL_ANSWERS, "chosen and rejected are the same answer");
    }
    List<Message> whole = new ArrayList<>(row.prompt());
    whole.add(Message.assistant(answers.get(0)));
    new Conversation(whole).validate();
  }

  private static String role(String role) throws BadConversation {
    String r = role.toLowerCase(Locale.ROOT);
    if (!r.equals(Message.SYSTEM) && !r.equals(Message.USER) && !r.equals(Message.ASSISTANT)) {
      throw new BadConversation(BadConversation.UNKNOWN_ROLE, "role '" + role + "' is not system, user or assistant");
    }
    return r;
  }

  private static String speaker(String from) throws BadConversation {
    String role = ConversationFormat.roleOfSpeaker(from);
    if (role == null) {
      throw new BadConversation(BadConversation.UNKNOWN_ROLE, "speaker '" + from + "' is unknown");
    }
    return role;
  }

  /** {@code created_at}: null when absent. */
  static Instant createdAt(JsonNode v) throws BadConversation {
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isNumber()) {
      double seconds = v.asDouble();
      if (!Double.isFinite(seconds) || seconds < 0 || seconds > 32_503_680_000.0) { // year 3000
        throw new BadConversation(BAD_CREATED_AT, "created_at " + v + " is not seconds since 1970");
      }
      return Instant.ofEpochMilli(Math.round(seconds * 1000));
    }
    if (v.isTextual()) {
      String s = v.asText().strip();
      try {
        return Instant.parse(s);
      } catch (DateTimeParseException ignored) {
        // try the other ISO-8601 shapes
      }
      try {
        return OffsetDateTime.parse(s).toInstant();
      } catch (DateTimeParseException ignored) {
        // no offset
      }
      try {
        return LocalDateTime.parse(s.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException ignored) {
        // a date alone
      }
      try {
        return LocalDate.parse(s).atStartOfDay().toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e) {
        throw new BadConversation(BAD_CREATED_AT, "created_at '" + s + "' is not an ISO-8601 date or time");
      }
    }
    throw new BadConversation(BAD_CREATED_AT, "created_at must be an ISO-8601 string or seconds since 1970");
  }

  private static String text(JsonNode node, String key) throws BadConversation {
    JsonNode v = node == null ? null : node.get(key);
    if (v == null || !v.isTextual()) {
      throw new BadConversation(BadConversation.MISSING_FIELD, "'" + key + "' must be a string"
          + (v == null ? " (missing)" : ""));
    }
    return v.asText();
  }

  private static String optionalText(JsonNode row, String key) throws BadConversation {
    JsonNode v = row.get(key);
    if (v == null || v.isNull()) {
      return "";
    }
    if (!v.isTextual()) {
      throw new BadConversation(BadConversation.MISSING_FIELD, "'" + key + "' must be a string");
    }
    return v.asText();
  }
}
