package io.llmforge.trainer.judge;

import io.llmforge.pipeline.rephrase.RephraseBackend;
import io.llmforge.pipeline.tokenizer.Sha256;
import io.llmforge.trainer.sft.Message;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The question put to the judge: a system prompt and a user message built from a template with {@value #QUESTION}
 * (the conversation so far), {@value #ANSWER_A} and {@value #ANSWER_B}. The defaults (conf/judge.conf) follow
 * MT-Bench's pairwise judge prompt (Zheng et al. 2023), shortened, with its {@code [[A]]} / {@code [[B]]} /
 * {@code [[C]]} verdict format.
 */
public record JudgePrompt(String system, String template) implements Serializable {
  public static final String QUESTION = "{question}";
  public static final String ANSWER_A = "{answer_a}";
  public static final String ANSWER_B = "{answer_b}";

  public JudgePrompt {
    for (String p : List.of(QUESTION, ANSWER_A, ANSWER_B)) {
      if (!template.contains(p)) {
        throw new IllegalArgumentException("the judge template has no " + p + " placeholder");
      }
    }
  }

  /**
   * The request showing {@code first} as A and {@code second} as B; its cache key covers the judge model, both
   * prompts and everything shown.
   */
  public RephraseBackend.Request request(String model, List<Message> prompt, String first, String second) {
    // one pass over the template, so an answer that contains "{answer_b}" stays the answer's text
    String user = fill(template, question(prompt), first, second);
    return new RephraseBackend.Request(Sha256.hex("judge\u0000" + model + "\u0000" + system + "\u0000" + user),
        system, user);
  }

  /** The conversation as the judge reads it: a lone user turn as it is, more turns labelled by speaker. */
  static String question(List<Message> prompt) {
    List<Message> turns = prompt.stream().filter(m -> !m.role().equals(Message.SYSTEM)).toList();
    if (turns.size() == 1 && prompt.size() == 1) {
      return turns.get(0).content();
    }
    List<String> parts = new ArrayList<>();
    for (Message m : prompt) {
      String who = switch (m.role()) {
        case Message.SYSTEM -> "System";
        case Message.USER -> "User";
        default -> "Assistant";
      };
      parts.add(who + ": " + m.content());
    }
    return String.join("\n\n", parts);
  }

  private static String fill(String template, String question, String a, String b) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < template.length()) {
      if (template.startsWith(QUESTION, i)) {
        out.append(question);
        i += QUESTION.length();
      } else if (template.startsWith(ANSWER_A, i)) {
        out.append(a);
        i += ANSWER_A.length();
      } else if (template.startsWith(ANSWER_B, i)) {
        out.append(b);
        i += ANSWER_B.length();
      } else {
        out.append(template.charAt(i++));
      }
    }
    return out.toString();
  }
}
