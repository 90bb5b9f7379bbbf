package io.llmforge.trainer.sft;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A conversation to train on: an optional system message first, then user and assistant turns alternating, starting
 * with the user and ending with the assistant ({@link #validate}). Multi-turn conversations train on every assistant
 * turn.
 */
public record Conversation(List<Message> messages) implements Serializable {

  public Conversation {
    messages = List.copyOf(messages);
  }

  /** The system message's text, or null. */
  public String system() {
    return !messages.isEmpty() && messages.get(0).role().equals(Message.SYSTEM) ? messages.get(0).content() : null;
  }

  /** The turns after the system message. */
  public List<Message> turns() {
    return system() == null ? messages : messages.subList(1, messages.size());
  }

  /**
   * Checks the shape every loader must produce; a conversation that passes renders with the chat template.
   *
   * @throws BadConversation naming the first problem
   */
  public Conversation validate() throws BadConversation {
    List<Message> turns = turns();
    if (turns.isEmpty()) {
      throw new BadConversation(BadConversation.NO_ASSISTANT_TURN, "the conversation has no turns");
    }
    for (int i = 0; i < turns.size(); i++) {
      Message m = turns.get(i);
      String expected = i % 2 == 0 ? Message.USER : Message.ASSISTANT;
      if (m.role().equals(Message.SYSTEM)) {
        throw new BadConversation(BadConversation.TURN_ORDER, "a system message at turn " + (i + 1)
            + "; it may only come first");
      }
      if (!m.role().equals(expected)) {
        throw new BadConversation(BadConversation.TURN_ORDER, "turn " + (i + 1) + " is " + m.role()
            + ", expected " + expected + " (user and assistant alternate, starting with the user)");
      }
      if (m.content().isBlank()) {
        throw new BadConversation(m.role().equals(Message.ASSISTANT) ? BadConversation.EMPTY_ASSISTANT
            : BadConversation.EMPTY_TURN, "turn " + (i + 1) + " (" + m.role() + ") is empty");
      }
    }
    if (turns.size() % 2 != 0) {
      throw new BadConversation(turns.size() == 1 ? BadConversation.NO_ASSISTANT_TURN : BadConversation.TURN_ORDER,
          "the conversation ends with a user turn that has no answer");
    }
    return this;
  }

  /** The same conversation with every {@code {{key}}} placeholder replaced (LLaMA-Factory's identity set). */
  public Conversation fill(java.util.Map<String, String> placeholders) {
    if (placeholders.isEmpty()) {
      return this;
    }
    List<Message> filled = new ArrayList<>(messages.size());
    for (Message m : messages) {
      String text = m.content();
      for (var e : placeholders.entrySet()) {
        text = text.replace("{{" + e.getKey() + "}}", e.getValue());
      }
      filled.add(new Message(m.role(), text));
    }
    return new Conversation(filled);
  }
}
