package io.llmforge.trainer.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
