package io.llmforge.trainer.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.rephrase.RephraseBackend;
import io.llmforge.trainer.bestofn.BestOfNFixtures;
import io.llmforge.trainer.sft.Message;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Verdicts, the both-orders rule, the judge's question, and the in-process checkpoint judge: no Spark, no HTTP. */
class JudgeLogicTest {

  @Test
  void verdictsAreReadFromTagsVerdictLinesOrABareLetter() {
    assertEquals(Verdict.A, Verdict.parse("Assistant A is more polite. [[A]]"));
    assertEquals(Verdict.B, Verdict.parse("[[B]]"));
    assertEquals(Verdict.TIE, Verdict.parse("Both fine. [[C]]"));
    assertEquals(Verdict.B, Verdict.parse("Reasoning...\nVerdict: B"));
    assertEquals(Verdict.A, Verdict.parse(" A. "));
    assertEquals(Verdict.A, Verdict.parse("\"A\""));
    assertEquals(Verdict.TIE, Verdict.parse("tie"));
    assertEquals(Verdict.UNPARSEABLE, Verdict.parse("[[A]] or maybe [[B]]"), "two verdicts are none");
    assertEquals(Verdict.UNPARSEABLE, Verdict.parse("A is nice but B is better"));
    assertEquals(Verdict.UNPARSEABLE, Verdict.parse(""));
    assertEquals(Verdict.FAILED, Verdict.parse(null));
  }

  @Test
  void aPairIsKeptOnlyWhenBothOrdersNameTheSameAnswer() {
    assertEquals(new PairJudgement(0, null), PairJudgement.of(Verdict.A, Verdict.B), "a first, then a second: a");
    assertEquals(new PairJudgement(1, null), PairJudgement.of(Verdict.B, Verdict.A));
    assertEquals(PairJudgement.DISAGREEMENT, PairJudgement.of(Verdict.A, Verdict.A).reason(), "always A: position");
    assertEquals(PairJudgement.DISAGREEMENT, PairJudgement.of(Verdict.B, Verdict.B).reason());
    assertEquals(PairJudgement.TIE, PairJudgement.of(Verdict.TIE, Verdict.B).reason());
    assertEquals(PairJudgement.UNPARSEABLE, PairJudgement.of(Verdict.TIE, Verdict.UNPARSEABLE).reason());
    assertEquals(PairJudgement.FAILED_REQUEST, PairJudgement.of(Verdict.UNPARSEABLE, Verdict.FAILED).reason(),
        "a failed request is the first reason");
    assertEquals(-1, PairJudgement.of(Verdict.A, Verdict.A).chosen());
  }

  @Test
  void theQuestionShowsTheAnswersInTheAskedOrderAndKeysDiffer() {
    JudgePrompt p = new JudgePrompt("judge well", "Q: {question}\nA: {answer_a}\nB: {answer_b}");
    List<Message> prompt = List.of(Message.user("Why?"));
    RephraseBackend.Request ab = p.request("m", prompt, "because {answer_b}", "no");
    RephraseBackend.Request ba = p.request("m", prompt, "no", "because {answer_b}");
    assertEquals("Q: Why?\nA: because {answer_b}\nB: no", ab.user(), "an answer's own text is not a placeholder");
    assertEquals("judge well", ab.system());
    assertNotEquals(ab.key(), ba.key());
    assertNotEquals(ab.key(), p.request("other-model", prompt, "because {answer_b}", "no").key());
    assertEquals("System: be brief\n\nUser: hi\n\nAssistant: hello\n\nUser: bye", JudgePrompt.question(List.of(
        Message.system("be brief"), Message.user("hi"), Message.assistant("hello"), Message.user("bye"))));
    assertThrows(IllegalArgumentException.class, () -> new JudgePrompt("", "no placeholders"));
  }

  @Test
  void theCheckpointJudgeAnswersALetterAndSkipsWhatDoesNotFitItsBlock(@TempDir Path dir) throws Exception {
    CheckpointJudge judge = new CheckpointJudge(BestOfNFixtures.policy(dir));
    List<String> replies = judge.rephrase(List.of(new RephraseBackend.Request("k1", "Pick A or B.", "A: yes\nB: no"),
        new RephraseBackend.Request("k2", "", "A: no\nB: yes"),
        new RephraseBackend.Request("k3", "", "very long ".repeat(200))));
    assertTrue(List.of("A", "B").contains(replies.get(0)) && List.of("A", "B").contains(replies.get(1)),
        replies.toString());
    assertNull(replies.get(2));
    assertEquals(2L, judge.counters().get("ok"));
    assertEquals(1L, judge.counters().get("failed_too_long"));
  }
}
