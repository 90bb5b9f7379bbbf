package io.llmforge.trainer.sft;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The row formats {@code sft-prepare} reads, each mapped into a {@link Conversation}:
 *
 * <ul>
 *   <li>{@code messages}: {@code {"messages": [{"role", "content"}], "system"?}} (DESIGN.md, "conversations");</li>
 *   <li>{@code alpaca}: {@code instruction}, optional {@code input} (appended to the instruction after a newline,
 *   as LLaMA-Factory does), {@code output}, optional {@code system} and {@code history} ({@code [[query, answer],
 *   ...]}, the turns before this one);</li>
 *   <li>{@code sharegpt}: {@code conversations: [{"from", "value"}]}, from = human/user, gpt/assistant, system;
 *   optional top-level {@code system};</li>
 *   <li>{@code auto}: whichever of the above the row's keys say.</li>
 * </ul>
 * LLaMA-Factory's identity set is Alpaca rows with {@code {{name}}} / {@code {{author}}} placeholders, filled by
 * {@link Conversation#fill} from the job's settings.
 */
public enum ConversationFormat {
  AUTO, MESSAGES, ALPACA, SHAREGPT;

  /** ShareGPT speaker names, lower-cased, to roles. */
  private static final Map<String, String> SHAREGPT_ROLES = Map.of(
      "human", Message.USER, "user", Message.USER,
      "gpt", Message.ASSISTANT, "assistant", Message.ASSISTANT, "chatgpt", Message.ASSISTANT,
      "model", Message.ASSISTANT, "bard", Message.ASSISTANT, "bing", Message.ASSISTANT,
      "system", Message.SYSTEM);

  /** The role of a ShareGPT speaker ({@code human}, {@code gpt}, ...), or null for an unknown one. */
  public static String roleOfSpeaker(String from) {
    return SHAREGPT_ROLES.get(from.toLowerCase(Locale.ROOT));
  }

  /** Parses one row (a JSON object) into a validated conversation. */
  public Conversation parse(JsonNode row) throws BadConversation {
    if (row == null || !row.isObject()) {
      throw new BadConversation(BadConversation.INVALID_JSON, "a row must be a JSON object, got "
          + (row == null ? "nothing" : row.getNodeType().name().toLowerCase(Locale.ROOT)));
    }
    ConversationFormat format = this == AUTO ? detect(row) : this;
    List<Message> messages = switch (format) {
      case MESSAGES -> messages(row);
      case ALPACA -> alpaca(row);
      case SHAREGPT -> shareGpt(row);
      case AUTO -> throw new IllegalStateException();
    };
    return new Conversation(messages).validate();
  }

  /**
   * Parses one row as a prompt: the conversation up to the answer it awaits (system message first, user and
   * assistant alternating, ending with the user). A row that ends with an assistant turn has that turn dropped, so a
   * conversation data set serves as prompts; an Alpaca row may leave out {@code output}. With {@code auto}, a row
   * with none of the formats' keys but a {@code prompt} (a string, or messages) is that prompt ({@link #promptOf}).
   */
  public List<Message> parsePrompt(JsonNode row) throws BadConversation {
    if (row == null || !row.isObject()) {
      throw new BadConversation(BadConversation.INVALID_JSON, "a row must be a JSON object, got "
          + (row == null ? "nothing" : row.getNodeType().name().toLowerCase(Locale.ROOT)));
    }
    if (this == AUTO && row.has("prompt") && !row.has("messages") && !row.has("conversations")
        && !row.has("instruction")) {
      return promptOf(row, "prompt");
    }
    ConversationFormat format = this == AUTO ? detect(row) : this;
    JsonNode r = row;
    if (format == ALPACA && !row.has("output")) {
      r = ((com.fasterxml.jackson.databind.node.ObjectNode) row.deepCopy()).put("output", "");
    }
    List<Message> messages = new ArrayList<>(switch (format) {
      case MESSAGES -> messages(r);
      case ALPACA -> alpaca(r);
      case SHAREGPT -> shareGpt(r);
      case AUTO -> throw new IllegalStateException();
    });
    if (!messages.isEmpty() && messages.get(messages.size() - 1).role().equals(Message.ASSISTANT)) {
      messages.remove(messages.size() - 1);
    }
    return validPrompt(messages);
  }

  /**
   * The prompt in field {@code key} of a row: a string (one user turn) or messages [{role, content}], after the
   * row's optional {@code system}; validated as {@link #parsePrompt} validates (an answer at its end is not dropped
   * here: it is an error).
   */
  public static List<Message> promptOf(JsonNode row, String key) throws BadConversation {
    List<Message> out = new ArrayList<>();
    addSystem(row, out);
    JsonNode p = row.get(key);
    if (p != null && p.isTextual()) {
      out.add(Message.user(p.asText()));
    } else if (p != null && p.isArray()) {
      for (JsonNode m : p) {
        String role = text(m, "role").toLowerCase(Locale.ROOT);
        if (!role.equals(Message.SYSTEM) && !role.equals(Message.USER) && !role.equals(Message.ASSISTANT)) {
          throw new BadConversation(BadConversation.UNKNOWN_ROLE, "role '" + role + "' is not system, user or "
              + "assistant");
        }
        out.add(new Message(role, text(m, "content")));
      }
    } else {
      throw new BadConversation(BadConversation.MISSING_FIELD, "'" + key + "' must be a string or a list of messages");
    }
    return validPrompt(out);
  }

  /** A prompt is valid when it is a valid conversation so far: answering it makes a conversation that validates. */
  private static List<Message> validPrompt(List<Message> messages) throws BadConversation {
    List<Message> answered = new ArrayList<>(messages);
    answered.add(Message.assistant("(the answer)"));
    new Conversation(answered).validate();
    return List.copyOf(messages);
  }

  /** The format a row's keys say. */
  public static ConversationFormat detect(JsonNode row) throws BadConversation {
    if (row.has("messages")) {
      return MESSAGES;
    }
    if (row.has("conversations")) {
      return SHAREGPT;
    }
    if (row.has("instruction")) {
      return ALPACA;
    }
    List<String> keys = new ArrayList<>();
    row.fieldNames().forEachRemaining(keys::add);
    throw new BadConversation(BadConversation.UNKNOWN_FORMAT, "no 'messages', 'conversations' or 'instruction' "
        + "key (the row has " + keys + ")");
  }

  private static List<Message> messages(JsonNode row) throws BadConversation {
    List<Message> out = new ArrayList<>();
    addSystem(row, out);
    for (JsonNode m : array(row, "messages")) {
      String role = text(m, "role").toLowerCase(Locale.ROOT);
      if (!role.equals(Message.SYSTEM) && !role.equals(Message.USER) && !role.equals(Message.ASSISTANT)) {
        throw new BadConversation(BadConversation.UNKNOWN_ROLE, "role '" + role + "' is not system, user or "
            + "assistant");
      }
      out.add(new Message(role, text(m, "content")));
    }
    return out;
  }

  private static List<Message> alpaca(JsonNode row) throws BadConversation {
    List<Message> out = new ArrayList<>();
    addSystem(row, out);
    JsonNode history = row.get("history");
    if (history != null && !history.isNull()) {
      if (!history.isArray()) {
        throw new BadConversation(BadConversation.MISSING_FIELD, "'history' must be a list of [query, answer]");
      }
      for (JsonNode pair : history) {
        if (!pair.isArray() || pair.size() != 2 || !pair.get(0).isTextual() || !pair.get(1).isTextual()) {
          throw new BadConversation(BadConversation.MISSING_FIELD, "'history' entries must be [query, answer] "
              + "strings, got " + pair);
        }
        out.add(Message.user(pair.get(0).asText()));
        out.add(Message.assistant(pair.get(1).asText()));
      }
    }
    String instruction = text(row, "instruction");
    JsonNode input = row.get("input");
    if (input != null && !input.isNull() && !input.isTextual()) {
      throw new BadConversation(BadConversation.MISSING_FIELD, "'input' must be a string");
    }
    String query = input == null || input.isNull() || input.asText().isBlank() ? instruction
        : instruction + "\n" + input.asText();
    out.add(Message.user(query));
    out.add(Message.assistant(text(row, "output")));
    return out;
  }

  private static List<Message> shareGpt(JsonNode row) throws BadConversation {
    List<Message> out = new ArrayList<>();
    addSystem(row, out);
    for (JsonNode m : array(row, "conversations")) {
      String from = text(m, "from").toLowerCase(Locale.ROOT);
      String role = SHAREGPT_ROLES.get(from);
      if (role == null) {
        throw new BadConversation(BadConversation.UNKNOWN_ROLE, "speaker '" + from + "' is not one of "
            + SHAREGPT_ROLES.keySet());
      }
      out.add(new Message(role, text(m, "value")));
    }
    return out;
  }

  private static void addSystem(JsonNode row, List<Message> out) throws BadConversation {
    JsonNode system = row.get("system");
    if (system == null || system.isNull()) {
      return;
    }
    if (!system.isTextual()) {
      throw new BadConversation(BadConversation.MISSING_FIELD, "'system' must be a string");
    }
    if (!system.asText().isBlank()) {
      out.add(Message.system(system.asText()));
    }
  }

  private static JsonNode array(JsonNode row, String key) throws BadConversation {
    JsonNode a = row.get(key);
    if (a == null || !a.isArray()) {
      throw new BadConversation(BadConversation.MISSING_FIELD, "'" + key + "' must be a list");
    }
    return a;
  }

  private static String text(JsonNode node, String key) throws BadConversation {
    JsonNode v = node == null ? null : node.get(key);
    if (v == null || !v.isTextual()) {
      throw new BadConversation(BadConversation.MISSING_FIELD, "'" + key + "' must be a string"
          + (v == null ? " (missing)" : ", got " + v.getNodeType().name().toLowerCase(Locale.ROOT)));
    }
    return v.asText();
  }
}
