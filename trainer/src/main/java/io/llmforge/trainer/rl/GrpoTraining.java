package io.llmforge.trainer.rl;

import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.data.Chunks;
import io.llmforge.trainer.loop.Trainer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code grpo} job: group relative policy optimisation of an SFT model on verifiable tasks or the user's
 * prompts. Each round (sampling, rewards, evaluation and the rest in {@link OnlineTraining}) samples
 * {@code group-size} answers per prompt,
 * normalises rewards within each prompt's group into advantages, takes the policy's log-probs at sampling time as
 * the old policy and the frozen SFT model's as the reference, then runs {@code inner-steps} optimiser steps of
 * {@link GrpoLoss} (clipped ratio, k3 KL with weight beta) on the round's answers. Logged per round, besides the
 * shared reward, accuracy, stop rate and answer length: KL and clip fraction.
 */
public final class GrpoTraining {
  private GrpoTraining() {}

  public static JobStats run(SparkSession spark, OnlineSettings s, PrintStream console) {
    return OnlineTraining.run(spark, s, new Grpo(s), console);
  }

  record Grpo(OnlineSettings s) implements OnlineTraining.Update {
    @Override
    public String job() {
      return "grpo";
    }

    @Override
    public List<String> heads() {
      return List.of();
    }

    @Override
    public String describe() {
      return "epsilon " + s.epsilon() + ", beta " + s.beta();
    }

    @Override
    public OnlineTraining.RoundResult optimise(List<OnlineTraining.Sample> samples, OnlineTraining.Context c) {
      double[] rewards = samples.stream().mapToDouble(OnlineTraining.Sample::reward).toArray();
      double[] advantages = GrpoLoss.advantages(rewards, s.groupSize());
      List<List<OnlineTraining.Sample>> micro = Chunks.of(samples, s.batchSize());
      List<double[][]> old = new ArrayList<>(); // the policy at sampling time: the first inner step's own forward
      List<double[][]> ref = new ArrayList<>();
      for (List<OnlineTraining.Sample> batch : micro) {
        ref.add(OnlineTraining.tokenLogps(c.reference(), batch));
      }
      double[] sums = new double[3]; // kl, clipped, tokens (the round's last inner step)
      Trainer.StepResult result = null;
      for (int inner = 0; inner < s.innerSteps(); inner++) {
        Arrays.fill(sums, 0);
        result = c.trainer().step(samples.size(), c.group(), scale -> {
          double loss = 0;
          int offset = 0;
          for (int m = 0; m < micro.size(); m++) {
            List<OnlineTraining.Sample> batch = micro.get(m);
            double[][] now = OnlineTraining.tokenLogps(c.policy(), batch);
            if (old.size() == m) {
              old.add(now);
            }
            GrpoLoss.Result r = GrpoLoss.of(now, old.get(m), ref.get(m), Arrays.copyOfRange(advantages, offset,
                offset + batch.size()), s.epsilon(), s.beta());
            c.policy().backward(OnlineTraining.scaled(r.dPolicy(), scale));
            loss += r.loss();
            sums[0] += r.kl();
            sums[1] += r.clipped();
            sums[2] += r.tokens();
            offset += batch.size();
          }
          return loss;
        });
      }
      double[] all = io.llmforge.trainer.distributed.GradientAveraging.sum(sums, c.group());
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kl", all[2] == 0 ? 0 : all[0] / all[2]);
      m.put("clip_ratio", all[2] == 0 ? 0 : all[1] / all[2]);
      return new OnlineTraining.RoundResult(result, m);
    }
  }
}
