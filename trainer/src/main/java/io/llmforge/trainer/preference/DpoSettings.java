package io.llmforge.trainer.preference;

import io.llmforge.pipeline.config.ConfigReader;
import java.io.Serializable;

/**
 * The {@code dpo} job's settings ({@code dpo.*}, conf/dpo.conf), validated before any work. Serializable:
 * data-parallel training ships them to every executor.
 *
 * @param run            the keys every offline preference trainer shares (data, base, loop, beta, ...)
 * @param labelSmoothing eps of conservative DPO (0: plain DPO)
 * @param sftWeight      weight of an extra next-token loss on the chosen answers (0: off)
 */
public record DpoSettings(OfflineSettings run, double labelSmoothing, DpoLoss.Type lossType, double sftWeight)
    implements Serializable {

  public static DpoSettings from(ConfigReader root) {
    ConfigReader c = root.at("dpo");
    DpoLoss.Type type = c.enumValue("loss-type", DpoLoss.Type.class);
    double smoothing = c.doubleIn("label-smoothing", 0, 0.49);
    if (type == DpoLoss.Type.IPO && smoothing > 0) {
      throw c.error("label-smoothing", "applies to loss-type = sigmoid only (it is " + smoothing + " with ipo)");
    }
    return new DpoSettings(OfflineSettings.from(c), smoothing, type, c.doubleIn("sft-weight", 0, 1e3));
  }
}
