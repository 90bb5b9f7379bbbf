package io.llmforge.pipeline.clean;

import io.llmforge.pipeline.config.ConfigReader;
import java.io.Serializable;

/**
 * {@code clean.paragraph-dedup.*}: corpus-wide exact dedup of paragraphs (or lines), CCNet / Dolma style.
 *
 * @param maxOccurrences a unit in more than this many documents is repeated text and is removed by {@code policy}
 * @param minWords       a document left with fewer words is rejected ({@code paragraph_dedup} stage)
 */
public record ParagraphDedupSettings(boolean enabled, DedupUnit unit, int maxOccurrences, ParagraphDedupPolicy policy,
                                     int minWords) implements Serializable {

  public static final ParagraphDedupSettings OFF =
      new ParagraphDedupSettings(false, DedupUnit.LINE, 1, ParagraphDedupPolicy.KEEP_FIRST, 1);

  /** @param c the {@code clean.paragraph-dedup} section */
  public static ParagraphDedupSettings from(ConfigReader c) {
    return new ParagraphDedupSettings(c.bool("enabled"), c.enumValue("unit", DedupUnit.class),
        c.intIn("max-occurrences", 1, Integer.MAX_VALUE), c.enumValue("policy", ParagraphDedupPolicy.class),
        c.intIn("min-words", 1, Integer.MAX_VALUE));
  }

  /** For stats.json. */
  public String unitName() {
    return unit.name().toLowerCase();
  }

  public String policyName() {
    return policy.name().toLowerCase().replace('_', '-');
  }
}
