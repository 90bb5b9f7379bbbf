package io.llmforge.trainer.bestofn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.trainer.generate.Sampler;
import io.llmforge.trainer.reward.RewardModel;
import io.llmforge.trainer.sft.Message;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Best-of-N's plain logic on an untrained policy and reward model: no Spark. */
class BestOfNTest {
  static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());
  static final List<Message> PROMPT = List.of(Message.user("What is the capital of France?"));
  static final List<Message> OTHER = List.of(Message.system("You are a helpful assistant."),
      Message.user("Tell me a joke."));
  @TempDir
  static Path dir;
  static Path policy;
  static Path rm;

  @BeforeAll
  static void models() throws Exception {
    policy = BestOfNFixtures.policy(dir);
    rm = BestOfNFixtures.rewardModel(dir, policy);
  }

  static BestOfN open(long seed) {
    return BestOfN.open(policy, rm, new BestOfN.Options(6, new Sampler(1.0, 0, 1.0), 10, seed, false, 4), QUIET);
  }

  @Test
  void choosesTheArgMaxOfTheRewardModelOverTheCandidates() {
    BestOfN.Result r = open(7).run(PROMPT);
    assertEquals(6, r.candidates().size());
    RewardModel alone = RewardModel.load(rm, QUIET); // rm/current, scoring one answer per forward pass
    double[] separately = new double[6];
    int argMax = 0;
    int argMin = 0;
    for (int i = 0; i < 6; i++) {
      separately[i] = alone.forward(List.of(alone.row(PROMPT, r.candidates().get(i).answer())))[0];
      assertEquals(separately[i], r.candidates().get(i).reward(), 1e-4, "batched and alone score alike");
      argMax = separately[i] > separately[argMax] ? i : argMax;
      argMin = separately[i] < separately[argMin] ? i : argMin;
    }
    assertEquals(argMax, r.best(), "the favourite: " + java.util.Arrays.toString(separately));
    assertEquals(argMin, r.worst());
    assertEquals(1, r.ranks(false)[r.best()]);
    assertEquals(6, r.ranks(false)[r.worst()]);
    assertTrue(r.candidates().stream().map(BestOfN.Candidate::answer).distinct().count() > 1, "sampled, not greedy");
  }

  @Test
  void onlyAnswersThatStopMayWinWhenRequiredAndTiesGoToTheEarliest() {
    List<BestOfN.Candidate> c = List.of(new BestOfN.Candidate("cut off", false, 10, 3.0),
        new BestOfN.Candidate("done", true, 2, 1.0), new BestOfN.Candidate("  ", true, 1, 9.0),
        new BestOfN.Candidate("also done", true, 3, 1.0));
    assertEquals(0, BestOfN.best(c, false));
    assertEquals(1, BestOfN.best(c, true), "the cut answer and the blank one may not win");
    assertEquals(1, BestOfN.worst(c, true), "a tie goes to the earliest sample");
    assertEquals(-1, BestOfN.best(c.subList(0, 1), true));
    BestOfN.Result r = new BestOfN.Result(c, 1, 1);
    assertEquals(List.of(0, 1, 0, 2), java.util.Arrays.stream(r.ranks(true)).boxed().toList());
  }

  @Test
  void aRerunDrawsTheSameAnswersWhateverCameBefore() {
    BestOfN first = open(7);
    BestOfN.Result a = first.run(PROMPT);
    BestOfN.Result b = first.run(OTHER);
    BestOfN second = open(7);
    assertEquals(b, second.run(OTHER), "a prompt's draws depend on the seed and the prompt only");
    assertEquals(a, second.run(PROMPT));
    assertNotEquals(a.candidates(), open(8).run(PROMPT).candidates(), "another seed, other answers");
  }
}
