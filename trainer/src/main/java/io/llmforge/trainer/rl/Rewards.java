package io.llmforge.trainer.rl;

import io.llmforge.trainer.judge.PairJudgement;
import io.llmforge.trainer.judge.PairwiseJudge;
import io.llmforge.trainer.reward.RewardModel;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Where an online RL round's rewards come from ({@code <job>.reward.kind}):
 *
 * <ul>
 *   <li>{@code checker}: the task's exact-match verdict, 1 for the exact answer, 0 otherwise;</li>
 *   <li>{@code reward-model}: a reward model's score (a folder as {@code rm-train} writes it, whose {@code current}
 *   version is read, or one version or checkpoint) for each answer to its prompt;</li>
 *   <li>{@code judge} (RLAIF): an AI judge ({@link PairwiseJudge}: an endpoint or a checkpoint) compares each answer
 *   with the frozen SFT model's greedy answer to the same prompt, in both orders: 1 when both orders prefer the
 *   answer, 0 when both prefer the SFT model's, 0.5 otherwise (a tie, the orders disagreeing, no verdict, a request
 *   that failed for good) and for an answer identical to the SFT model's (not asked). The reward is then a win rate
 *   against the starting point, as AlpacaEval-style evaluations measure.</li>
 * </ul>
 *
 * Either way an answer that never stops loses {@code no-stop-penalty}, and on the verifiable tasks the checker's
 * verdict is still logged as accuracy.
 */
interface Rewards extends AutoCloseable {
  enum Kind { CHECKER, REWARD_MODEL, JUDGE }

  /** The judge reward's values. */
  double WIN = 1.0;
  double LOSS = 0.0;
  double UNDECIDED = 0.5;

  /** The rewards of {@code answers} (decoded text) to {@code prompts}, before the no-stop penalty. */
  double[] score(List<Prompt> prompts, List<String> answers, boolean[] correct);

  /** What the reward's source counted so far (the judge's questions, replies from memory, failures). */
  default Map<String, Long> counters() {
    return Map.of();
  }

  @Override
  default void close() {}

  /**
   * @param anchors the frozen SFT model's greedy answers to the prompts (the judge's comparison point)
   */
  static Rewards of(OnlineSettings s, PrintStream warnings, Function<List<Prompt>, List<String>> anchors) {
    return switch (s.rewardKind()) {
      case CHECKER -> (prompts, answers, correct) -> {
        double[] r = new double[correct.length];
        for (int i = 0; i < r.length; i++) {
          r[i] = correct[i] ? 1 : 0;
        }
        return r;
      };
      case REWARD_MODEL -> {
        RewardModel model = RewardModel.load(Path.of(s.rewardModel()), warnings);
        yield (prompts, answers, correct) -> {
          List<int[]> rows = new ArrayList<>(answers.size());
          for (int i = 0; i < answers.size(); i++) {
            rows.add(model.row(prompts.get(i).messages(), answers.get(i)));
          }
          return model.score(rows, Math.max(1, s.batchSize()));
        };
      }
      case JUDGE -> judge(new PairwiseJudge(s.judge()), anchors);
    };
  }

  /** The judge reward: each answer against the anchor answer to its prompt. */
  static Rewards judge(PairwiseJudge judge, Function<List<Prompt>, List<String>> anchors) {
    return new Rewards() {
      @Override
      public double[] score(List<Prompt> prompts, List<String> answers, boolean[] correct) {
        List<String> anchor = anchors.apply(prompts);
        double[] r = new double[answers.size()];
        List<PairwiseJudge.Pair> pairs = new ArrayList<>();
        List<Integer> asked = new ArrayList<>();
        for (int i = 0; i < answers.size(); i++) {
          if (answers.get(i).strip().equals(anchor.get(i).strip())) {
            r[i] = UNDECIDED;
          } else {
            pairs.add(new PairwiseJudge.Pair(prompts.get(i).messages(), answers.get(i), anchor.get(i)));
            asked.add(i);
          }
        }
        List<PairJudgement> verdicts = judge.judge(pairs);
        for (int k = 0; k < verdicts.size(); k++) {
          PairJudgement v = verdicts.get(k);
          r[asked.get(k)] = !v.kept() ? UNDECIDED : v.chosen() == 0 ? WIN : LOSS;
        }
        return r;
      }

      @Override
      public Map<String, Long> counters() {
        return judge.counters();
      }

      @Override
      public void close() {
        judge.close();
      }
    };
  }
}
