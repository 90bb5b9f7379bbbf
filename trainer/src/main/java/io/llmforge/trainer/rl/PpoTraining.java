package io.llmforge.trainer.rl;

import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.data.Chunks;
import io.llmforge.trainer.distributed.GradientAveraging;
import io.llmforge.trainer.loop.Trainer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The {@code ppo} job: proximal policy optimisation of an SFT model on verifiable tasks or the user's prompts,
 * RLHF-style (Ouyang et al. 2022; TRL's PPOTrainer), with the rollouts, evaluation and run plumbing of
 * {@link OnlineTraining}. Each round: one pass over the samples gives the rollout policy's log-probs and values
 * ({@link ValueHead} on the policy's backbone) and the frozen SFT model's log-probs; per-token rewards are
 * {@code -beta (logp_old - logp_ref)} plus the answer's score ({@link Rewards}: the checker, a reward model or a
 * judge) on the last token ({@link PpoLoss#rewards}); GAE (gamma, lambda) gives advantages (whitened over the round)
 * and returns; then {@code inner-steps} epochs of the clipped policy loss plus {@code value-coef} x the clipped value
 * loss; in the first {@code critic-warmup-rounds} rounds the value head alone learns. Logged besides the shared
 * metrics: kl (the rollout's mean per-token log-ratio to the reference), clip_ratio, value_loss, value_clip_ratio,
 * returns and values (means), critic_warmup (1 in a warm-up round).
 */
public final class PpoTraining {
  private PpoTraining() {}

  public static JobStats run(SparkSession spark, PpoSettings s, PrintStream console) {
    return OnlineTraining.run(spark, s.online(), new Ppo(s), console);
  }

  record Ppo(PpoSettings p) implements OnlineTraining.Update {
    @Override
    public String job() {
      return "ppo";
    }

    @Override
    public List<String> heads() {
      return List.of(ValueHead.HEAD);
    }

    @Override
    public String describe() {
      return "epsilon " + p.online().epsilon() + ", KL penalty " + p.online().beta() + ", gamma " + p.gamma()
          + ", lambda " + p.lambda() + ", value coef " + p.valueCoef() + ", value clip " + p.valueClip()
          + (p.criticWarmupRounds() > 0 ? ", critic warm-up " + p.criticWarmupRounds() + " rounds" : "");
    }

    @Override
    public OnlineTraining.RoundResult optimise(List<OnlineTraining.Sample> samples, OnlineTraining.Context c) {
      OnlineSettings s = p.online();
      ValueHead critic = new ValueHead(c.policyEngine());
      List<List<OnlineTraining.Sample>> micro = Chunks.of(samples, s.batchSize());
      // the rollout: old log-probs and values (no gradient), the reference's log-probs, then rewards and GAE
      List<double[][]> old = new ArrayList<>();
      List<double[][]> oldValues = new ArrayList<>();
      List<double[][]> advantages = new ArrayList<>();
      List<double[][]> returns = new ArrayList<>();
      double klSum = 0;
      double returnSum = 0;
      double valueSum = 0;
      long tokens = 0;
      List<double[]> allAdvantages = new ArrayList<>();
      for (List<OnlineTraining.Sample> batch : micro) {
        double[][] ref = OnlineTraining.tokenLogps(c.reference(), batch);
        double[][] logps = OnlineTraining.tokenLogps(c.policy(), batch);
        double[][] values = critic.read(c.policy());
        double[][] a = new double[batch.size()][];
        double[][] r = new double[batch.size()][];
        for (int i = 0; i < batch.size(); i++) {
          double[] perToken = PpoLoss.rewards(batch.get(i).reward(), logps[i], ref[i], s.beta());
          PpoLoss.Estimates e = PpoLoss.gae(perToken, values[i], p.gamma(), p.lambda());
          a[i] = e.advantages();
          r[i] = e.returns();
          allAdvantages.add(a[i]);
          for (int t = 0; t < logps[i].length; t++) {
            klSum += logps[i][t] - ref[i][t];
            returnSum += r[i][t];
            valueSum += values[i][t];
            tokens++;
          }
        }
        old.add(logps);
        oldValues.add(values);
        advantages.add(a);
        returns.add(r);
      }
      PpoLoss.whiten(allAdvantages.toArray(double[][]::new)); // the rows are the arrays in advantages: in place
      // critic warm-up: the head alone learns; the policy and the backbone get no gradient, so they stay as they are
      boolean warmup = c.trainer().step() / s.innerSteps() < p.criticWarmupRounds();
      double[] sums = new double[4]; // clipped, value-clipped, value loss, tokens (the round's last epoch)
      Trainer.StepResult result = null;
      for (int epoch = 0; epoch < s.innerSteps(); epoch++) {
        java.util.Arrays.fill(sums, 0);
        result = c.trainer().step(samples.size(), c.group(), scale -> {
          double loss = 0;
          for (int m = 0; m < micro.size(); m++) {
            double[][] now = OnlineTraining.tokenLogps(c.policy(), micro.get(m));
            double[][] values = critic.read(c.policy());
            PpoLoss.Result r = PpoLoss.of(now, old.get(m), advantages.get(m), values, oldValues.get(m),
                returns.get(m), s.epsilon(), p.valueClip(), p.valueCoef());
            try (INDArray dHidden = critic.backward(OnlineTraining.scaled(r.dValues(), scale))) {
              if (!warmup) {
                c.policy().backward(OnlineTraining.scaled(r.dPolicy(), scale), dHidden);
              }
            }
            loss += r.loss();
            sums[0] += r.clipped();
            sums[1] += r.valueClipped();
            sums[2] += r.valueLoss();
            sums[3] += r.tokens();
          }
          return loss;
        });
      }
      double[] all = GradientAveraging.sum(new double[] {sums[0], sums[1], sums[2], sums[3], klSum, returnSum,
          valueSum, tokens}, c.group());
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kl", all[7] == 0 ? 0 : all[4] / all[7]);
      m.put("clip_ratio", all[3] == 0 ? 0 : all[0] / all[3]);
      m.put("value_loss", all[3] == 0 ? 0 : all[2] / all[3]);
      m.put("value_clip_ratio", all[3] == 0 ? 0 : all[1] / all[3]);
      m.put("returns", all[7] == 0 ? 0 : all[5] / all[7]);
      m.put("values", all[7] == 0 ? 0 : all[6] / all[7]);
      m.put("critic_warmup", warmup ? 1 : 0);
      return new OnlineTraining.RoundResult(result, m);
    }
  }
}
