package io.llmforge.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Column;

/**
 * Upsampling of the best documents: the top {@code tiers[0].top} share of the kept documents (by score) are
 * repeated {@code tiers[0].repeats} times, the next ones up to {@code tiers[1].top} {@code tiers[1].repeats}
 * times, and so on; the rest once ({@code baseRepeats}). The result is the {@code sample_weight} column.
 *
 * <p>Never more than {@link #MAX_REPEATS}: Muennighoff et al. (2023, "Scaling Data-Constrained Language
 * Models") find that up to about four epochs of repeated data are almost as good as fresh data and that more
 * stops helping. The tiers must be ordered best first and their repeats must not increase, so the weight is
 * monotone in the score.
 */
public record WeightTiers(List<Tier> tiers, double baseRepeats) implements Serializable {
  public static final double MAX_REPEATS = 4.0;

  /** Documents whose score rank is within the best {@code top} share get {@code repeats}. */
  public record Tier(double top, double repeats) implements Serializable {}

  public WeightTiers {
    tiers = List.copyOf(tiers);
    double previousTop = 0;
    double previousRepeats = MAX_REPEATS;
    for (Tier t : tiers) {
      if (!(t.top() > previousTop && t.top() <= 1)) {
        throw new IllegalArgumentException("tier tops must increase within (0, 1], got " + t.top()
            + " after " + previousTop);
      }
      if (!(t.repeats() >= 1 && t.repeats() <= previousRepeats)) {
        throw new IllegalArgumentException("tier repeats must be in [1, " + MAX_REPEATS + "] and not increase, got "
            + t.repeats() + " after " + previousRepeats);
      }
      previousTop = t.top();
      previousRepeats = t.repeats();
    }
    if (!(baseRepeats >= 1 && baseRepeats <= previousRepeats)) {
      throw new IllegalArgumentException("base repeats must be in [1, " + previousRepeats + "], got " + baseRepeats);
    }
  }

  /** Every kept document once. */
  public static WeightTiers none() {
    return new WeightTiers(List.of(), 1.0);
  }

  /**
   * The weight of a document with {@code score}, given the score cut-offs of the tiers (one per tier, best
   * first, non-increasing).
   */
  public double weight(double score, double[] cutoffs) {
    for (int i = 0; i < tiers.size(); i++) {
      if (score >= cutoffs[i]) {
        return Math.min(tiers.get(i).repeats(), MAX_REPEATS);
      }
    }
    return Math.min(baseRepeats, MAX_REPEATS);
  }

  /** The same rule as {@link #weight} as a Spark column over {@code scoreColumn}. */
  public Column column(String scoreColumn, double[] cutoffs) {
    Column weight = lit(Math.min(baseRepeats, MAX_REPEATS));
    for (int i = tiers.size() - 1; i >= 0; i--) {
      weight = when(col(scoreColumn).geq(cutoffs[i]), lit(Math.min(tiers.get(i).repeats(), MAX_REPEATS)))
          .otherwise(weight);
    }
    return weight;
  }
}
