package io.llmforge.trainer.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.trainer.sft.ConversationFormat;
import io.llmforge.trainer.sft.Message;
import io.llmforge.trainer.sft.RawRow;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Prompts from the user's conversations: every row accounted for, the held-out split fixed by the prompts alone. */
class PromptFilesTest {
  static final int ROOM = 40;

  /** A prompt's length: its characters (what a real tokenizer gives is beside the point here). */
  static int length(List<Message> prompt) {
    return prompt.stream().mapToInt(m -> m.content().length()).sum();
  }

  static List<RawRow> rows() {
    List<RawRow> rows = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      rows.add(RawRow.of("a.jsonl", i, "{\"messages\": [{\"role\": \"user\", \"content\": \"What is " + i
          + " + 1?\"}, {\"role\": \"assistant\", \"content\": \"" + (i + 1) + "\"}]}"));
    }
    rows.add(RawRow.of("a.jsonl", 12, "{\"instruction\": \"Name a colour.\", \"system\": \"Be brief.\"}"));
    rows.add(RawRow.of("a.jsonl", 13, "{\"conversations\": [{\"from\": \"human\", \"value\": \"Hi\"}, "
        + "{\"from\": \"gpt\", \"value\": \"Hello\"}, {\"from\": \"human\", \"value\": \"Bye?\"}]}"));
    rows.add(RawRow.of("a.jsonl", 14, "{\"prompt\": \"Tell me a joke.\"}"));
    rows.add(RawRow.of("a.jsonl", 15, "{\"messages\": [{\"role\": \"user\", \"content\": \"What is 0 + 1?\"}]}"));
    rows.add(RawRow.of("a.jsonl", 16, "{\"messages\": [{\"role\": \"user\", \"content\": \"" + "x".repeat(ROOM + 1)
        + "\"}]}"));
    rows.add(RawRow.of("a.jsonl", 17, "{\"messages\": [{\"role\": \"robot\", \"content\": \"beep\"}]}"));
    rows.add(RawRow.of("a.jsonl", 18, "{\"messages\": [{\"role\": \"user\", "));
    rows.add(RawRow.failed("a.jsonl", 19, "invalid_utf8", "row 20 (a JSONL line) is not valid UTF-8"));
    return rows;
  }

  static PromptFiles.Settings settings(int evalPrompts) {
    return new PromptFiles.Settings(List.of("a.jsonl"), ConversationFormat.AUTO, evalPrompts);
  }

  @Test
  void everyRowIsAPromptARepeatOrARejectWithItsReason() {
    PromptFiles.Loaded l = PromptFiles.parse(rows(), settings(4), PromptFilesTest::length, ROOM, "a.jsonl",
        "grpo.prompts");
    PromptSet.Fixed set = (PromptSet.Fixed) l.prompts();
    assertEquals(20, l.rows());
    assertEquals(1, l.duplicates(), "'What is 0 + 1?' twice (once with its answer, which is dropped)");
    assertEquals(Map.of("too_long", 1L, "unknown_role", 1L, "invalid_json", 1L, "invalid_utf8", 1L), l.rejects());
    assertEquals(4, l.rejected().size());
    assertEquals(15, set.train().size() + set.heldOut().size(), "12 + alpaca + sharegpt + prompt, each once");
    assertEquals(4, set.heldOut().size());
    assertFalse(set.checkable(), "a user's prompt has no answer to check");
    Set<List<Message>> all = new HashSet<>();
    set.train().forEach(p -> all.add(p.messages()));
    set.heldOut().forEach(p -> assertTrue(all.add(p.messages()), "held out and trained on: " + p));
    assertTrue(all.contains(List.of(Message.system("Be brief."), Message.user("Name a colour."))));
    assertTrue(all.contains(List.of(Message.user("Hi"), Message.assistant("Hello"), Message.user("Bye?"))),
        "a multi-turn prompt keeps its earlier turns");
    assertTrue(all.contains(List.of(Message.user("What is 3 + 1?"))), "the last assistant turn is dropped");
  }

  @Test
  void theHeldOutPromptsDependOnThePromptsNotOnTheirOrder() {
    List<RawRow> shuffled = new ArrayList<>(rows());
    Collections.shuffle(shuffled, new java.util.Random(3));
    PromptSet a = PromptFiles.parse(rows(), settings(5), PromptFilesTest::length, ROOM, "a", "grpo.prompts").prompts();
    PromptSet b = PromptFiles.parse(shuffled, settings(5), PromptFilesTest::length, ROOM, "b", "grpo.prompts")
        .prompts();
    assertEquals(new HashSet<>(a.heldOut()), new HashSet<>(b.heldOut()));
    assertEquals(a.draw(7, 11), a.draw(7, 11), "a round's prompts depend on its seed only");
    assertTrue(a.draw(50, 11).stream().noneMatch(a.heldOut()::contains), "held-out prompts never drawn");
  }

  @Test
  void holdingOutEveryPromptFailsNamingTheKey() {
    ConfigError e = assertThrows(ConfigError.class, () -> PromptFiles.parse(rows(), settings(15),
        PromptFilesTest::length, ROOM, "a.jsonl", "ppo.prompts"));
    assertTrue(e.getMessage().startsWith("ppo.prompts.eval-prompts"), e.getMessage());
    assertTrue(e.getMessage().contains("15 usable prompts"), e.getMessage());
  }
}
