package io.llmforge.trainer.rl;

import io.llmforge.trainer.reward.RewardModel;
import io.llmforge.trainer.sft.Message;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where an online RL round's rewards come from ({@code <job>.reward.kind}): the task's exact-match {@code checker}
 * (1 for the exact answer, 0 otherwise), or a {@code reward-model} (a folder as {@code rm-train} writes it, whose
 * {@code current} version is read, or one version or checkpoint) scoring each answer to its prompt. Either way an
 * answer that never stops loses {@code no-stop-penalty}, and the checker's verdict is still logged as accuracy.
 */
interface Rewards {
  enum Kind { CHECKER, REWARD_MODEL }

  /** The rewards of {@code answers} (decoded text) to {@code tasks}, before the no-stop penalty. */
  double[] score(List<VerifiableTasks.Task> tasks, List<String> answers, boolean[] correct);

  static Rewards of(OnlineSettings s, PrintStream warnings) {
    if (s.rewardKind() == Kind.CHECKER) {
      return (tasks, answers, correct) -> {
        double[] r = new double[correct.length];
        for (int i = 0; i < r.length; i++) {
          r[i] = correct[i] ? 1 : 0;
        }
        return r;
      };
    }
    RewardModel model = RewardModel.load(Path.of(s.rewardModel()), warnings);
    return (tasks, answers, correct) -> {
      List<int[]> rows = new ArrayList<>(answers.size());
      for (int i = 0; i < answers.size(); i++) {
        rows.add(model.row(List.of(Message.user(tasks.get(i).prompt())), answers.get(i)));
      }
      return model.score(rows, Math.max(1, s.batchSize()));
    };
  }
}
