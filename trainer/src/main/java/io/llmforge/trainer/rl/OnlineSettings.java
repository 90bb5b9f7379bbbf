package io.llmforge.trainer.rl;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.judge.JudgeClientSettings;
import io.llmforge.trainer.optim.OptimizerSettings;
import java.io.Serializable;

/**
 * The online RL jobs' shared settings ({@code grpo.*} in conf/grpo.conf, {@code ppo.*} in conf/ppo.conf: the same keys
 * under each job's own section), validated before any work. Serializable: data-parallel training ships them to every
 * executor.
 *
 * @param base          the SFT model: the policy starts from it and it is the frozen KL reference
 * @param steps         sampling rounds; each is {@code innerSteps} optimiser steps on the round's samples
 * @param groupSize     answers sampled per prompt (G; GRPO: the advantage is a reward's standing in its group)
 * @param noStopPenalty subtracted from the reward of an answer that reaches max-new-tokens without {@code <|end|>}
 * @param beta          the KL leash (0: none): GRPO's weight of the k3 KL in the loss, PPO's per-token KL penalty in
 *                      the reward
 * @param evalPrompts   held-out tasks answered greedily at every eval-interval (accuracy, stop rate, reward)
 * @param prompts       prompts from the user's conversations instead of the tasks ({@code prompts.input}), for the
 *                      reward-model and judge rewards
 * @param rewardKind    where the rewards come from: the task's checker, a reward model or an AI judge
 *                      ({@link Rewards})
 * @param rewardModel   the reward model's folder (rm-train's output: its current version), for reward-model
 * @param judge         how the judge is asked ({@code reward.judge}, conf/judge-client.conf), for judge; else null
 */
public record OnlineSettings(
    String base,
    String output,
    boolean overwrite,
    boolean resume,
    long seed,
    VerifiableTasks.Kind task,
    int taskSize,
    int evalPrompts,
    PromptFiles.Settings prompts,
    Rewards.Kind rewardKind,
    String rewardModel,
    JudgeClientSettings judge,
    int steps,
    int promptsPerStep,
    int groupSize,
    double temperature,
    int maxNewTokens,
    double noStopPenalty,
    int innerSteps,
    double epsilon,
    double beta,
    int batchSize,
    OptimizerSettings optimizer,
    LoraSettings lora,
    int evalInterval,
    int checkpointInterval,
    int keepLast,
    int logInterval,
    double peakTflops,
    int workers,
    int exchangeTimeoutSeconds) implements Serializable {

  public static OnlineSettings from(ConfigReader root) {
    return from(root, "grpo");
  }

  /** The settings under section {@code job} ({@code grpo} or {@code ppo}). */
  public static OnlineSettings from(ConfigReader root, String job) {
    ConfigReader c = root.at(job);
    int steps = c.intIn("steps", 1, Integer.MAX_VALUE);
    int inner = c.intIn("inner-steps", 1, 100);
    OptimizerSettings optimizer = OptimizerSettings.from(c.at("optimizer"), 1, true);
    if (c.at("optimizer").intIn("decay-steps", 0, Integer.MAX_VALUE) == 0) {
      optimizer = optimizer.decayingOver(steps * inner);
    }
    Rewards.Kind rewardKind = c.at("reward").enumValue("kind", Rewards.Kind.class);
    PromptFiles.Settings prompts = PromptFiles.Settings.from(c.at("prompts"));
    if (prompts.fromFiles() && rewardKind == Rewards.Kind.CHECKER) {
      throw c.at("reward").error("kind", "is checker, which scores the verifiable tasks only; prompts from "
          + c.at("prompts").fullKey("input") + " have no answer to check: use reward-model or judge");
    }
    return new OnlineSettings(
        c.requiredString("base"),
        c.requiredString("output"),
        c.bool("overwrite"),
        c.bool("resume"),
        c.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE),
        c.at("task").enumValue("kind", VerifiableTasks.Kind.class),
        c.at("task").intIn("size", 1, 6),
        c.at("task").intIn("eval-prompts", 1, 100_000),
        prompts,
        rewardKind,
        c.at("reward").string("model"),
        rewardKind == Rewards.Kind.JUDGE ? JudgeClientSettings.from(c.at("reward").at("judge")) : null,
        steps,
        c.intIn("prompts-per-step", 1, 1 << 16),
        c.intIn("group-size", job.equals("grpo") ? 2 : 1, 1024), // a group of one has no relative advantage
        c.doubleIn("temperature", 0.01, 5),
        c.intIn("max-new-tokens", 1, 1 << 16),
        c.doubleIn("no-stop-penalty", 0, 100),
        inner,
        c.doubleIn("epsilon", 0.001, 1),
        c.doubleIn("beta", 0, 1e3),
        c.intIn("batch-size", 1, 1 << 16),
        optimizer,
        LoraSettings.from(c.at("lora")),
        c.intIn("eval-interval", 1, Integer.MAX_VALUE),
        c.intIn("checkpoint-interval", 1, Integer.MAX_VALUE),
        c.intIn("keep-last", 1, 1000),
        c.intIn("log-interval", 1, Integer.MAX_VALUE),
        c.doubleIn("peak-tflops", 0, 1e6),
        c.at("distributed").intIn("workers", 0, 4096),
        c.at("distributed").intIn("exchange-timeout-seconds", 1, 7 * 24 * 3600));
  }

  /** Optimiser steps of the whole run. */
  public long optimizerSteps() {
    return (long) steps * innerSteps;
  }
}
