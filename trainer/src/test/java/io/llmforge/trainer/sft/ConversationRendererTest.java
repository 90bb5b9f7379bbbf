package io.llmforge.trainer.sft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConversationRendererTest {
  private static final ChatTemplate TEMPLATE = TestTokenizers.template();
  private static final String GOOD = "{\"instruction\": \"What is the capital of France?\", \"output\": \"Paris.\"}";

  private static ConversationRenderer renderer(double valFraction) {
    return new ConversationRenderer(ConversationFormat.AUTO, Map.of(), ChatTemplate.Options.DEFAULT, 1_000,
        valFraction, 42);
  }

  private static String row(int i) {
    return "{\"instruction\": \"question " + i + "\", \"output\": \"answer " + i + "\"}";
  }

  @Test
  void aGoodRowIsRenderedIntoTrainOrVal() throws BadConversation {
    ConversationRenderer.Outcome o = renderer(0.5).apply(RawRow.of("f.jsonl", 3, GOOD), TEMPLATE);
    assertFalse(o.rejected());
    assertTrue(o.split().equals(ConversationRenderer.TRAIN) || o.split().equals(ConversationRenderer.VAL), o.split());
    assertEquals("f.jsonl#3", o.id());
    assertEquals("f.jsonl", o.source());
    assertNull(o.reason());
    assertNull(o.raw());
    // The rendering is the template's, on the parsed conversation.
    Conversation c = new Conversation(List.of(Message.user("What is the capital of France?"),
        Message.assistant("Paris.")));
    ChatTemplate.Rendered expected = TEMPLATE.render(c, ChatTemplate.Options.DEFAULT, 1_000);
    assertArrayEquals(expected.tokens(), o.rendered().tokens());
    assertArrayEquals(expected.mask(), o.rendered().mask());
  }

  @Test
  void valFractionZeroIsAllTrainAndOneIsAllVal() {
    for (int i = 0; i < 50; i++) {
      RawRow r = RawRow.of("f", i, row(i));
      assertEquals(ConversationRenderer.TRAIN, renderer(0.0).apply(r, TEMPLATE).split());
      assertEquals(ConversationRenderer.VAL, renderer(1.0).apply(r, TEMPLATE).split());
    }
  }

  @Test
  void theSplitDependsOnlyOnTheJsonText() {
    ConversationRenderer renderer = renderer(0.3);
    Set<String> seen = new HashSet<>();
    int val = 0;
    for (int i = 0; i < 200; i++) {
      String json = row(i);
      String split = renderer.apply(RawRow.of("a.jsonl", i, json), TEMPLATE).split();
      // Same text elsewhere in the input, in another file, or on a rerun with a fresh renderer: same split.
      assertEquals(split, renderer.apply(RawRow.of("b.jsonl", 1_000 + i, json), TEMPLATE).split(), json);
      assertEquals(split, renderer(0.3).apply(RawRow.of("a.jsonl", i, json), TEMPLATE).split(), json);
      seen.add(split);
      val += split.equals(ConversationRenderer.VAL) ? 1 : 0;
    }
    // ...and it is a real split, roughly of the asked size (30% of 200, generous bounds).
    assertEquals(Set.of(ConversationRenderer.TRAIN, ConversationRenderer.VAL), seen);
    assertTrue(val > 30 && val < 90, "val rows: " + val);
  }

  @Test
  void invalidJsonIsRejectedWithItsRawTextKept() {
    String broken = "{\"instruction\": \"q\", \"output\": ";
    ConversationRenderer.Outcome o = renderer(0.0).apply(RawRow.of("f", 7, broken), TEMPLATE);
    assertTrue(o.rejected());
    assertEquals(ConversationRenderer.REJECT, o.split());
    assertEquals(BadConversation.INVALID_JSON, o.reason());
    assertEquals(broken, o.raw());
    assertNull(o.rendered());
    assertNotNull(o.detail());
    assertFalse(o.detail().contains("\n"), "the detail is one line");
  }

  @Test
  void aLongRejectKeepsOnlyTheStartOfItsRawText() {
    String longRow = "{\"instruction\": \"" + "x".repeat(10_000) + "\"}"; // no output: missing_field
    ConversationRenderer.Outcome o = renderer(0.0).apply(RawRow.of("f", 0, longRow), TEMPLATE);
    assertEquals(BadConversation.MISSING_FIELD, o.reason());
    assertEquals(longRow.substring(0, 4000), o.raw());
  }

  @Test
  void parseAndRenderFailuresAreRejectsWithTheirReason() {
    ConversationRenderer tiny = new ConversationRenderer(ConversationFormat.AUTO, Map.of(),
        ChatTemplate.Options.DEFAULT, 5, 0.0, 42);
    assertEquals(BadConversation.TOO_LONG, tiny.apply(RawRow.of("f", 0, GOOD), TEMPLATE).reason());
    assertEquals(BadConversation.UNKNOWN_FORMAT,
        renderer(0.0).apply(RawRow.of("f", 0, "{\"text\": \"x\"}"), TEMPLATE).reason());
    assertEquals(BadConversation.EMPTY_ASSISTANT,
        renderer(0.0).apply(RawRow.of("f", 0, "{\"instruction\": \"q\", \"output\": \"\"}"), TEMPLATE).reason());
  }

  @Test
  void aRowThatCouldNotBeReadPassesThroughAsAReject() {
    RawRow failed = RawRow.failed("f.jsonl", 4, ConversationFiles.INVALID_UTF8, "line 5 is not valid UTF-8");
    ConversationRenderer.Outcome o = renderer(0.0).apply(failed, TEMPLATE);
    assertTrue(o.rejected());
    assertEquals(ConversationFiles.INVALID_UTF8, o.reason());
    assertEquals("line 5 is not valid UTF-8", o.detail());
    assertEquals("f.jsonl#4", o.id());
    assertNull(o.raw());
    assertNull(o.rendered());
  }

  @Test
  void placeholdersAreFilledBeforeRendering() {
    ConversationRenderer r = new ConversationRenderer(ConversationFormat.AUTO, Map.of("name", "Forge"),
        ChatTemplate.Options.DEFAULT, 1_000, 0.0, 42);
    ConversationRenderer.Outcome o = r.apply(RawRow.of("f", 0,
        "{\"instruction\": \"Who are you?\", \"output\": \"I am {{name}}.\"}"), TEMPLATE);
    String text = TEMPLATE.tokenizer().decode(o.rendered().tokens());
    assertTrue(text.contains("I am Forge."), text);
    assertFalse(text.contains("{{"), text);
  }

  /**
   * The answer budget: a training row whose answer (its end token included) is longer is rejected with its reason;
   * one exactly at the budget is kept; held-out rows are never filtered. Multi-turn rows count their longest answer.
   */
  @Test
  void theAnswerBudgetFiltersTrainingRowsOnly() throws BadConversation {
    String multiTurn = "{\"conversations\": [{\"from\": \"human\", \"value\": \"hi\"}, {\"from\": \"gpt\", "
        + "\"value\": \"a short one\"}, {\"from\": \"human\", \"value\": \"and?\"}, {\"from\": \"gpt\", "
        + "\"value\": \"a much longer answer than the first one, with many more tokens in it\"}]}";
    ChatTemplate.Rendered r = renderer(0.0).apply(RawRow.of("f", 0, multiTurn), TEMPLATE).rendered();
    int longest = TEMPLATE.longestAnswer(r);
    int expected = TEMPLATE.completion("a much longer answer than the first one, with many more tokens in it").length;
    assertEquals(expected, longest, "the second answer's tokens and its <|end|>");
    assertTrue(longest > TEMPLATE.completion("a short one").length);

    ConversationRenderer atBudget = budget(0.0, longest);
    assertFalse(atBudget.apply(RawRow.of("f", 0, multiTurn), TEMPLATE).rejected(), "an answer at the budget fits");
    ConversationRenderer.Outcome over = budget(0.0, longest - 1).apply(RawRow.of("f", 0, multiTurn), TEMPLATE);
    assertEquals(BadConversation.ANSWER_TOO_LONG, over.reason());
    assertTrue(over.detail().contains(longest + " tokens"), over.detail());
    assertNotNull(over.raw(), "the reject keeps the row");
    ConversationRenderer.Outcome heldOut = budget(1.0, 1).apply(RawRow.of("f", 0, multiTurn), TEMPLATE);
    assertEquals(ConversationRenderer.VAL, heldOut.split(), "held-out rows are kept whatever their length");
  }

  private static ConversationRenderer budget(double valFraction, int maxAnswerTokens) {
    return new ConversationRenderer(ConversationFormat.AUTO, Map.of(), ChatTemplate.Options.DEFAULT, 1_000,
        valFraction, 42, maxAnswerTokens);
  }
}
