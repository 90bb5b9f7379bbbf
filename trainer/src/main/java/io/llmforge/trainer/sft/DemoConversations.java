package io.llmforge.trainer.sft;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A small generated conversation set for {@code llmforge demo} (no external data): greetings, sums, opposites and
 * identity questions, short enough that a tiny model learns the template and when to stop in a minute. Written in
 * the three formats sft-prepare reads ({@code messages} JSONL, Alpaca JSON with LLaMA-Factory's identity
 * placeholders, ShareGPT JSON), with a few broken rows among them (invalid JSON, an unknown role, an empty answer,
 * bytes that are not UTF-8) that must end up in the rejects.
 */
public final class DemoConversations {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[][] OPPOSITES = {{"hot", "cold"}, {"big", "small"}, {"up", "down"}, {"fast", "slow"},
      {"day", "night"}, {"old", "new"}, {"happy", "sad"}, {"open", "closed"}, {"light", "dark"}, {"early", "late"}};
  private static final String[] NAMES = {"Ada", "Alan", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis"};
  /** Rows of {@link #writePrompts} that are no prompt. */
  public static final int BROKEN_PROMPTS = 2;

  /** @param files the files written; rows the good rows among them; broken the rows that must be rejected */
  public record Summary(List<Path> files, int rows, int broken) {}

  private final Random random;

  public DemoConversations(long seed) {
    this.random = new Random(seed);
  }

  /** Writes about {@code count} good conversations (and 4 broken rows) under {@code dir}. */
  public Summary write(Path dir, int count) {
    try {
      Files.createDirectories(dir);
      List<Path> files = new ArrayList<>();
      int third = Math.max(1, count / 3);

      Path messages = dir.resolve("messages.jsonl");
      try (OutputStream out = Files.newOutputStream(messages)) {
        for (int i = 0; i < third; i++) {
          ObjectNode row = JSON.createObjectNode();
          ArrayNode turns = row.putArray("messages");
          if (i % 4 == 0) {
            turn(turns, "role", "content", "system", "You are a helpful assistant. Answer in one short sentence.");
          }
          String[] qa = exchange();
          turn(turns, "role", "content", "user", qa[0]);
          turn(turns, "role", "content", "assistant", qa[1]);
          if (i % 5 == 0) { // multi-turn: every assistant turn trains
            String[] more = exchange();
            turn(turns, "role", "content", "user", more[0]);
            turn(turns, "role", "content", "assistant", more[1]);
          }
          out.write((JSON.writeValueAsString(row) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        out.write("{\"messages\": [{\"role\": \"user\", \"content\": \"unterminated\n"
            .getBytes(StandardCharsets.UTF_8));
        out.write(("{\"messages\": [{\"role\": \"user\", \"content\": \"What time is it?\"}, {\"role\": \"tool\", "
            + "\"content\": \"12:00\"}]}\n").getBytes(StandardCharsets.UTF_8));
        out.write(new byte[] {'{', '"', 'x', '"', ':', ' ', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'});
      }
      files.add(messages);

      Path alpaca = dir.resolve("alpaca.json");
      ArrayNode rows = JSON.createArrayNode();
      for (int i = 0; i < third; i++) {
        ObjectNode row = rows.addObject();
        if (i % 3 == 0) {
          row.put("instruction", i % 2 == 0 ? "Who are you?" : "What is your name?");
          row.put("input", "");
          row.put("output", "I am {{name}}, a small assistant made by {{author}}.");
        } else {
          int a = random.nextInt(10);
          int b = random.nextInt(10);
          row.put("instruction", "Add the two numbers.");
          row.put("input", a + " and " + b);
          row.put("output", a + " plus " + b + " is " + (a + b) + ".");
        }
      }
      ObjectNode empty = rows.addObject();
      empty.put("instruction", "Say nothing.");
      empty.put("output", " ");
      Files.write(alpaca, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(rows));
      files.add(alpaca);

      Path shareGpt = dir.resolve("sharegpt.json");
      ArrayNode conversations = JSON.createArrayNode();
      for (int i = 0; i < count - 2 * third; i++) {
        ArrayNode turns = conversations.addObject().putArray("conversations");
        String[] qa = exchange();
        turn(turns, "from", "value", "human", qa[0]);
        turn(turns, "from", "value", "gpt", qa[1]);
      }
      Files.write(shareGpt, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(conversations));
      files.add(shareGpt);
      return new Summary(files, count, 4);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write demo conversations under " + dir, e);
    }
  }

  /**
   * {@code count} questions of the same kinds as prompts ({@code {"prompt": ...}} JSONL, what best-of-n samples
   * answers to), plus {@value #BROKEN_PROMPTS} rows that are no prompt (an answer without a question, a line that is
   * not JSON).
   */
  public Summary writePrompts(Path file, int count) {
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < count; i++) {
      rows.append(JSON.createObjectNode().put("prompt", exchange()[0])).append('\n');
    }
    rows.append("{\"messages\": [{\"role\": \"assistant\", \"content\": \"An answer to nothing.\"}]}\n");
    rows.append("{\"prompt\": \n");
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, rows, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write demo prompts " + file, e);
    }
    return new Summary(List.of(file), count, BROKEN_PROMPTS);
  }

  /** One question and its answer. */
  private String[] exchange() {
    switch (random.nextInt(3)) {
      case 0 -> {
        String name = NAMES[random.nextInt(NAMES.length)];
        return new String[] {"Say hello to " + name + ".", "Hello, " + name + "! Nice to meet you."};
      }
      case 1 -> {
        int a = random.nextInt(10);
        int b = random.nextInt(10);
        return new String[] {"What is " + a + " plus " + b + "?", a + " plus " + b + " is " + (a + b) + "."};
      }
      default -> {
        String[] pair = OPPOSITES[random.nextInt(OPPOSITES.length)];
        return new String[] {"What is the opposite of " + pair[0] + "?", "The opposite of " + pair[0] + " is "
            + pair[1] + "."};
      }
    }
  }

  private static void turn(ArrayNode turns, String roleKey, String textKey, String role, String text) {
    ObjectNode t = turns.addObject();
    t.put(roleKey, role);
    t.put(textKey, text);
  }
}
