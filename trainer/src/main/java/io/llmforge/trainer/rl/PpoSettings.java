package io.llmforge.trainer.rl;

import io.llmforge.pipeline.config.ConfigReader;
import java.io.Serializable;

/**
 * The {@code ppo} job's settings ({@code ppo.*}, conf/ppo.conf): the rollout, update and run keys it shares with
 * grpo ({@link OnlineSettings}; there {@code beta} is the per-token KL penalty in the reward, {@code epsilon} the
 * policy clip and {@code inner-steps} the PPO epochs over each round's samples), plus the critic's.
 *
 * @param gamma     GAE's discount (1: an answer is one episode and no token is worth less for coming late)
 * @param lambda    GAE's bias-variance knob (0.95)
 * @param valueCoef weight of the value loss next to the policy loss (they share the backbone)
 * @param valueClip how far a value may move from its rollout value before its loss stops pulling (PPO2's clip)
 * @param criticWarmupRounds first rounds in which only the value head learns (the policy and its backbone stay as
 *                  they are: OpenRLHF's freezing_actor_steps), so the first policy updates see values worth the name
 */
public record PpoSettings(OnlineSettings online, double gamma, double lambda, double valueCoef, double valueClip,
    int criticWarmupRounds) implements Serializable {

  public static PpoSettings from(ConfigReader root) {
    ConfigReader c = root.at("ppo");
    return new PpoSettings(OnlineSettings.from(root, "ppo"), c.doubleIn("gamma", 0, 1), c.doubleIn("lambda", 0, 1),
        c.doubleIn("value-coef", 0, 100), c.doubleIn("value-clip", 1e-6, 1e6),
        c.intIn("critic-warmup-rounds", 0, Integer.MAX_VALUE));
  }
}
