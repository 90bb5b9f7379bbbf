package io.llmforge.trainer.sft;

import java.io.Serializable;

/** One turn of a conversation (DESIGN.md, "conversations"): role system, user or assistant, and its text. */
public record Message(String role, String content) implements Serializable {
  public static final String SYSTEM = "system";
  public static final String USER = "user";
  public static final String ASSISTANT = "assistant";

  public Message {
    if (role == null || content == null) {
      throw new IllegalArgumentException("a message needs a role and content");
    }
  }

  public static Message system(String content) {
    return new Message(SYSTEM, content);
  }

  public static Message user(String content) {
    return new Message(USER, content);
  }

  public static Message assistant(String content) {
    return new Message(ASSISTANT, content);
  }
}
