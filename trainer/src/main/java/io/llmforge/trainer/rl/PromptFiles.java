package io.llmforge.trainer.rl;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.tokenizer.Sha256;
import io.llmforge.trainer.reward.RewardVersions;
import io.llmforge.trainer.sft.BadConversation;
import io.llmforge.trainer.sft.ConversationFormat;
import io.llmforge.trainer.sft.InputRows;
import io.llmforge.trainer.sft.Message;
import io.llmforge.trainer.sft.RawRow;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import org.apache.spark.sql.SparkSession;

/**
 * Prompts for an online RL run from the user's own conversations ({@code <job>.prompts.input}), for the rewards that
 * need no checkable answer (a reward model, a judge): any format sft-prepare reads, each row's conversation up to
 * its last user turn ({@link ConversationFormat#parsePrompt}; rows with a {@code prompt} field too). The files are
 * read through Spark, like the other chat jobs' inputs, and parsed on the driver: an RL prompt set is thousands of
 * rows, not a crawl.
 *
 * <p>A row that cannot serve is kept with its reason (unreadable, not a conversation, too long for the block with
 * {@code max-new-tokens} of room) and a prompt seen before is counted once. The {@code eval-prompts} prompts with the
 * smallest sha256 are held out: which prompts those are depends on the prompts alone, not on file order.
 */
public final class PromptFiles {
  public static final String REJECTS = "prompt_rejects.jsonl";

  /**
   * {@code <job>.prompts}: where the prompts come from when not from the verifiable tasks.
   *
   * @param input       prompt files or folders; empty: the verifiable tasks of {@code <job>.task}
   * @param format      their row format (auto: by each row's keys)
   * @param evalPrompts prompts held out for the greedy evaluation
   */
  public record Settings(List<String> input, ConversationFormat format, int evalPrompts) implements Serializable {
    public static Settings from(ConfigReader c) {
      return new Settings(c.strings("input"), c.enumValue("format", ConversationFormat.class),
          c.intIn("eval-prompts", 1, 100_000));
    }

    public boolean fromFiles() {
      return !input.isEmpty();
    }
  }

  /** A row that gave no prompt, and why. */
  public record Rejected(RawRow row, String reason, String detail) {}

  /** What reading gave: the prompt set and the accounting of every row. */
  public record Loaded(PromptSet.Fixed prompts, long rows, long duplicates, List<Rejected> rejected) {
    /** Rejected rows per reason, in the order the reasons first came up. */
    public Map<String, Long> rejects() {
      Map<String, Long> out = new LinkedHashMap<>();
      rejected.forEach(r -> out.merge(r.reason(), 1L, Long::sum));
      return out;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private PromptFiles() {}

  /**
   * Reads {@code settings.input()} ({@code section}, e.g. {@code grpo.prompts}, names its keys in errors); {@code length} is a prompt's ids under the
   * chat template, {@code room} the most a prompt may have (block size minus max-new-tokens).
   */
  public static Loaded read(SparkSession spark, String section, Settings settings,
      ToIntFunction<List<Message>> length, int room) {
    List<String> json = new ArrayList<>();
    List<String> parquet = new ArrayList<>();
    InputRows.list(spark.sparkContext().hadoopConfiguration(), section + ".input", settings.input(), json, parquet);
    List<RawRow> rows = InputRows.read(spark, json, parquet).collect().stream().map(InputRows::raw).toList();
    return parse(rows, settings, length, room, String.join(", ", settings.input()), section);
  }

  /** The prompt set of {@code rows}: parsing, length check, dedup and the held-out split, without Spark. */
  public static Loaded parse(List<RawRow> rows, Settings settings, ToIntFunction<List<Message>> length, int room,
      String describe, String section) {
    Set<List<Message>> unique = new LinkedHashSet<>();
    List<Rejected> rejected = new ArrayList<>();
    long duplicates = 0;
    for (RawRow raw : rows) {
      try {
        if (!unique.add(prompt(raw, settings.format(), length, room))) {
          duplicates++;
        }
      } catch (BadConversation e) {
        rejected.add(new Rejected(raw, e.reason(), e.getMessage()));
      }
    }
    List<List<Message>> byHash = new ArrayList<>(unique);
    byHash.sort(Comparator.comparing(PromptFiles::sha256));
    if (byHash.size() <= settings.evalPrompts()) {
      throw new ConfigError(section + ".eval-prompts: holding out " + settings.evalPrompts()
          + " of the " + byHash.size() + " usable prompts of " + describe + " leaves none to train on ("
          + rows.size() + " rows, " + duplicates + " repeats, " + rejected.size() + " rejected)");
    }
    Set<List<Message>> heldOut = new LinkedHashSet<>(byHash.subList(0, settings.evalPrompts()));
    List<Prompt> train = new ArrayList<>();
    for (List<Message> p : unique) {
      if (!heldOut.contains(p)) {
        train.add(new Prompt(p, null));
      }
    }
    PromptSet.Fixed set = PromptSet.fixed(train, heldOut.stream().map(p -> new Prompt(p, null)).toList(),
        "prompts from " + describe);
    return new Loaded(set, rows.size(), duplicates, rejected);
  }

  /** The prompt of one row, or why it gives none. */
  private static List<Message> prompt(RawRow raw, ConversationFormat format, ToIntFunction<List<Message>> length,
      int room) throws BadConversation {
    if (raw.reason() != null) {
      throw new BadConversation(raw.reason(), raw.detail());
    }
    List<Message> prompt;
    try {
      prompt = format.parsePrompt(JSON.readTree(raw.json()));
    } catch (IOException e) {
      throw new BadConversation(BadConversation.INVALID_JSON, String.valueOf(e.getMessage()).lines().findFirst()
          .orElse(""));
    }
    int ids = length.applyAsInt(prompt);
    if (ids > room) {
      throw new BadConversation(BadConversation.TOO_LONG, "the prompt's " + ids + " ids leave less than "
          + "max-new-tokens of the model's block (at most " + room + ")");
    }
    return prompt;
  }

  /** The rejected rows as JSON Lines (id, source, reason, detail, raw), written atomically. */
  public static void writeRejects(Path file, List<Rejected> rejected) {
    StringBuilder out = new StringBuilder();
    for (Rejected r : rejected) {
      out.append(JSON.createObjectNode().put("id", r.row().id()).put("source", r.row().source())
          .put("reason", r.reason()).put("detail", r.detail()).put("raw", r.row().json())).append('\n');
    }
    RewardVersions.writeAtomically(file, out.toString());
  }

  private static String sha256(List<Message> prompt) {
    StringBuilder s = new StringBuilder();
    for (Message m : prompt) {
      s.append(m.role()).append('\u0000').append(m.content()).append('\u0000');
    }
    return Sha256.hex(s.toString());
  }
}
