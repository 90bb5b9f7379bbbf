package io.llmforge.trainer.rl;

import io.llmforge.trainer.sft.Message;
import java.io.Serializable;
import java.util.List;

/**
 * One prompt of an online RL run: the conversation so far (system message first, ending with the user's turn) and,
 * for a verifiable task, the only answer counted right (null for a prompt from the user's own conversations, which
 * only a reward model or a judge can score).
 */
public record Prompt(List<Message> messages, String answer) implements Serializable {
  public Prompt {
    messages = List.copyOf(messages);
    if (messages.isEmpty() || !messages.get(messages.size() - 1).role().equals(Message.USER)) {
      throw new IllegalArgumentException("a prompt ends with the user's turn, got " + messages);
    }
  }

  public static Prompt of(VerifiableTasks.Task task) {
    return new Prompt(List.of(Message.user(task.prompt())), task.answer());
  }

  /** Whether a checker can verify an answer to it. */
  public boolean checkable() {
    return answer != null;
  }

  /** Exact match of the whole answer, spaces at its ends aside; false without an answer to check against. */
  public boolean correct(String given) {
    return answer != null && given != null && given.strip().equals(answer);
  }
}
