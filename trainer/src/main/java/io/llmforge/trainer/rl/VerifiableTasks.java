package io.llmforge.trainer.rl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.trainer.reward.RewardVersions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Prompts whose answer a program can check, built into the project so RL can be shown working without any external
 * data: {@code addition} ("What is 38 + 7?" -> "45") and {@code reversal} ("Reverse the letters of 'stone'." ->
 * "enots"). The checker is exact match of the whole answer, spaces at its ends aside.
 */
public final class VerifiableTasks {
  /** The kinds of task. */
  public enum Kind { ADDITION, REVERSAL }

  /** One prompt and the only answer counted right. */
  public record Task(String prompt, String answer) {
    public boolean correct(String given) {
      return given != null && given.strip().equals(answer);
    }
  }

  private static final String LETTERS = "abcdefghijklmnopqrstuvwxyz";

  private VerifiableTasks() {}

  /**
   * {@code n} tasks of {@code kind} drawn from {@code seed}: additions of numbers with 1 to {@code size} digits,
   * reversals of 3 to {@code size} + 2 letters.
   */
  public static List<Task> draw(Kind kind, int n, int size, long seed) {
    Random random = new Random(seed);
    List<Task> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(kind == Kind.ADDITION ? addition(random, size) : reversal(random, size));
    }
    return out;
  }

  /**
   * {@code n} tasks as messages-format conversations (JSONL) with the right answers, for an SFT round that teaches
   * the format before RL (the demo's).
   */
  public static Path writeConversations(Path file, Kind kind, int n, int size, long seed) {
    ObjectMapper json = new ObjectMapper();
    StringBuilder out = new StringBuilder();
    for (Task t : draw(kind, n, size, seed)) {
      ObjectNode row = json.createObjectNode();
      ArrayNode messages = row.putArray("messages");
      messages.addObject().put("role", "user").put("content", t.prompt());
      messages.addObject().put("role", "assistant").put("content", t.answer());
      out.append(row).append('\n');
    }
    RewardVersions.writeAtomically(file.toAbsolutePath(), out.toString());
    return file;
  }

  private static Task addition(Random random, int digits) {
    int a = number(random, digits);
    int b = number(random, digits);
    return new Task(String.format(Locale.ROOT, "What is %d + %d?", a, b), Integer.toString(a + b));
  }

  private static int number(Random random, int digits) {
    int d = 1 + random.nextInt(digits);
    int low = d == 1 ? 0 : (int) Math.pow(10, d - 1);
    return low + random.nextInt((int) Math.pow(10, d) - low);
  }

  private static Task reversal(Random random, int size) {
    int n = 3 + random.nextInt(Math.max(1, size));
    StringBuilder word = new StringBuilder();
    for (int i = 0; i < n; i++) {
      word.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
    }
    return new Task("Reverse the letters of '" + word + "'.", new StringBuilder(word).reverse().toString());
  }
}
