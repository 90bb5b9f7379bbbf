package io.llmforge.quality;

import java.util.List;

/** The weight tiers of conf/classify.conf, for tests. */
final class WeightTierSamples {
  static final WeightTiers DEFAULT =
      new WeightTiers(List.of(new WeightTiers.Tier(0.1, 4), new WeightTiers.Tier(0.3, 2)), 1);

  private WeightTierSamples() {}
}
