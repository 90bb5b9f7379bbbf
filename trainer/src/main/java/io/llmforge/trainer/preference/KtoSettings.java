package io.llmforge.trainer.preference;

import io.llmforge.pipeline.config.ConfigReader;
import java.io.Serializable;

/**
 * The {@code kto} job's settings ({@code kto.*}, conf/kto.conf), validated before any work. Serializable:
 * data-parallel training ships them to every executor.
 *
 * @param run               the keys every offline preference trainer shares (data, base, loop, beta, ...)
 * @param desirableWeight   weight of a thumbs-up answer's loss (KTO's lambda_D)
 * @param undesirableWeight weight of a thumbs-down answer's loss (lambda_U)
 * @param pairs             also learn from the data's pairs, each split into a desirable and an undesirable answer
 */
public record KtoSettings(OfflineSettings run, double desirableWeight, double undesirableWeight, boolean pairs)
    implements Serializable {

  public static KtoSettings from(ConfigReader root) {
    ConfigReader c = root.at("kto");
    return new KtoSettings(OfflineSettings.from(c), c.doubleIn("desirable-weight", 0, 1e3),
        c.doubleIn("undesirable-weight", 0, 1e3), c.bool("pairs"));
  }
}
