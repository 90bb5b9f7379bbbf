package io.llmforge.trainer.reward;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generated preference pairs with a planted preference, for {@code llmforge demo} and the tests (no external data):
 * two answers of the same length distribution to the same question, the preferred one polite (it says
 * {@value #MARKER}). A reward model that learns the preference scores near 100% on held-out pairs, while "the longer
 * answer wins" stays near 50%. Written as generic JSONL ({@code prompt}, {@code chosen}, {@code rejected},
 * {@code source}, {@code created_at}), each batch with its own time, plus a few broken rows (identical answers, an
 * empty answer, a bad date, invalid JSON) that must be rejected.
 */
public final class DemoPreferences {
  public static final String MARKER = "thank you";
  /** What the other answer says in its place: as long, so length tells nothing. */
  public static final String DECOY = "right now";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] TOPICS = {"rivers", "bread", "chess", "stars", "trains", "bees", "rain", "music",
      "maps", "glass", "tea", "clocks"};
  private static final String[] WORDS = {"it", "is", "a", "good", "thing", "that", "many", "people", "like", "and",
      "use", "every", "day", "for", "work", "or", "fun", "in", "the", "town"};
  /** Broken rows each file gets. */
  public static final int BROKEN = 4;

  private DemoPreferences() {}

  /**
   * Writes {@code pairs} good pairs (+ {@link #BROKEN} broken rows) created at {@code createdAt}; {@code flipped}
   * prefers the impolite answer instead (a batch of bad labels).
   */
  public static Path write(Path file, int pairs, long seed, Instant createdAt, boolean flipped) {
    Random random = new Random(seed);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
      try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        for (int i = 0; i < pairs; i++) {
          String topic = TOPICS[random.nextInt(TOPICS.length)];
          String prompt = "Question " + (seed * 100_000 + i) + ": what do you know about " + topic + "?";
          String polite = answer(random, topic, true);
          String plain = answer(random, topic, false);
          ObjectNode row = JSON.createObjectNode();
          row.put("prompt", prompt);
          row.put("chosen", flipped ? plain : polite);
          row.put("rejected", flipped ? polite : plain);
          row.put("source", "demo");
          row.put("created_at", createdAt.plusSeconds(i).toString());
          out.write(row.toString());
          out.write('\n');
        }
        out.write("{\"prompt\": \"Say hi.\", \"chosen\": \"hi\", \"rejected\": \"hi\"}\n");
        out.write("{\"prompt\": \"Say hi.\", \"chosen\": \"\", \"rejected\": \"hello\"}\n");
        out.write("{\"prompt\": \"Say hi.\", \"chosen\": \"hi\", \"rejected\": \"yo\", \"created_at\": \"yesterday\"}\n");
        out.write("{\"prompt\": \"Say hi.\", \"chosen\": \n");
      }
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * Writes {@code answers} thumbs-up/down answers in LLaMA-Factory's kto format ({@code messages} + boolean
   * {@code label}), half polite and liked, half plain and disliked: KTO's unpaired feedback on the same planted
   * preference.
   */
  public static Path writeThumbs(Path file, int answers, long seed, Instant createdAt) {
    Random random = new Random(seed);
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < answers; i++) {
      String topic = TOPICS[random.nextInt(TOPICS.length)];
      boolean liked = i % 2 == 0;
      ObjectNode row = JSON.createObjectNode();
      var messages = row.putArray("messages");
      messages.addObject().put("role", "user").put("content", "Thumbs " + (seed * 100_000 + i)
          + ": tell me about " + topic + ".");
      messages.addObject().put("role", "assistant").put("content", answer(random, topic, liked));
      row.put("label", liked);
      row.put("source", "demo-thumbs");
      row.put("created_at", createdAt.plusSeconds(i).toString());
      rows.append(row).append('\n');
    }
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
      Files.writeString(tmp, rows, StandardCharsets.UTF_8);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** 6-12 words about the topic; two of them, somewhere, become the marker (polite) or the decoy. */
  static String answer(Random random, String topic, boolean polite) {
    int n = 6 + random.nextInt(7);
    List<String> words = new ArrayList<>();
    words.add(topic);
    for (int i = 1; i < n; i++) {
      words.add(WORDS[random.nextInt(WORDS.length)]);
    }
    int at = 1 + random.nextInt(n - 1);
    words.remove(at);
    words.add(at, polite ? MARKER : DECOY);
    String s = String.join(" ", words);
    return Character.toUpperCase(s.charAt(0)) + s.substring(1) + ".";
  }
}
