package io.llmforge.trainer.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SftEvaluationTest {
  private static final int END = 9;

  @Test
  void theReferenceAnswerCountsFromTheFirstTargetThroughItsEndToken() {
    // prompt 1 2 3, answer 4 5 END, then a second turn 6 END whose tokens must not count
    SftDataset.Example e = new SftDataset.Example(new int[] {1, 2, 3, 4, 5, END, 6, END},
        new byte[] {0, 0, 0, 1, 1, 1, 0, 1});
    assertEquals(3, SftEvaluation.firstTarget(e));
    assertEquals(3, SftEvaluation.referenceAnswerTokens(e, END));
  }

  @Test
  void aTruncatedReferenceWithoutItsEndTokenCountsToTheRowsEnd() {
    SftDataset.Example e = new SftDataset.Example(new int[] {1, 2, 4, 5, 6}, new byte[] {0, 0, 1, 1, 1});
    assertEquals(3, SftEvaluation.referenceAnswerTokens(e, END));
  }

  @Test
  void anExampleWithoutTargetsIsRefused() {
    SftDataset.Example e = new SftDataset.Example(new int[] {1, 2}, new byte[] {0, 0});
    assertThrows(IllegalArgumentException.class, () -> SftEvaluation.firstTarget(e));
  }

  @Test
  void theMissesAreTheAnswersThatDidNotStopAtMostAsManyAsTheSamples() throws BadConversation {
    ChatTemplate template = TestTokenizers.template();
    List<SftDataset.Example> heldOut = new ArrayList<>();
    for (String q : List.of("What is the capital of France?", "Tell me a joke.", "Translate hello into French.",
        "The quick brown fox?", "Why did the chicken cross the road?")) {
      ChatTemplate.Rendered r = template.render(new Conversation(List.of(Message.user(q),
          Message.assistant("Paris."))), ChatTemplate.Options.DEFAULT, 64);
      heldOut.add(new SftDataset.Example(r.tokens(), r.mask()));
    }
    // an untrained model: its 3-token answers do not end with <|end|>
    GptEngine model = new GptEngine(new GptConfig(template.tokenizer().vocabSize(), 64, 1, 2, 16, 0.0, 7));
    SftEvaluation.Result r = SftEvaluation.evaluate(model, template, heldOut, 3, 2, 2);
    int missed = (int) Math.round((1 - r.stopRate()) * heldOut.size());
    assertEquals(heldOut.size(), r.prompts());
    assertTrue(missed > 0, "the untrained model stopped on every prompt");
    assertEquals(2, r.samples().size());
    assertEquals(Math.min(2, missed), r.misses().size());
    for (SftEvaluation.Sample miss : r.misses()) {
      assertFalse(miss.stopped());
      assertEquals("Paris.", miss.reference());
    }
    assertEquals(r.misses().size(), ((List<?>) r.asMap().get("misses")).size());
  }
}
