package io.llmforge.dedup;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.spark.DocumentSchema;
import java.io.Serializable;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The choice of the one document kept per cluster. The policy ranks members; ties always fall to the smallest
 * doc_id, so the choice never depends on partitioning or arrival order.
 *
 * <p>The same ranking exists twice: as a {@link Comparator} (tested directly) and as a Spark struct column
 * whose {@code min} is the best member. {@code min} over a struct is an ordinary aggregate that combines
 * map-side, so a cluster of a million copies costs no more than a small one.
 */
public final class Representatives {
  /** Internal column of the rank inputs: the quality value (double, null when unknown). */
  public static final String QUALITY = "_quality";
  public static final String QUALITY_SCORE = "quality_score";
  private static final Timestamp NO_DATE = Timestamp.valueOf("9999-12-31 00:00:00");

  private Representatives() {}

  /** What a member is ranked on. {@code crawlDate} and {@code quality} may be null. */
  public record Candidate(String docId, int numChars, Instant crawlDate, Double quality) implements Serializable {}

  /** Orders candidates best first. */
  public static Comparator<Candidate> order(RepresentativePolicy policy) {
    Comparator<Candidate> byId = Comparator.comparing(Candidate::docId);
    return switch (policy) {
      case LONGEST -> Comparator.comparingInt(Candidate::numChars).reversed().thenComparing(byId);
      case EARLIEST -> Comparator.comparing(Candidate::crawlDate, Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(byId);
      case QUALITY -> Comparator.comparing((Candidate c) -> qualityKey(c.quality()))
          .thenComparing(Comparator.comparingInt(Candidate::numChars).reversed()).thenComparing(byId);
    };
  }

  /** The representative of a non-empty cluster. */
  public static Candidate choose(Collection<Candidate> members, RepresentativePolicy policy) {
    return members.stream().min(order(policy))
        .orElseThrow(() -> new IllegalArgumentException("a cluster has at least one member"));
  }

  /** Lower is better: missing or NaN quality last, then higher quality first. */
  private static double qualityKey(Double quality) {
    return quality == null || quality.isNaN() ? Double.POSITIVE_INFINITY : -quality;
  }

  /**
   * A struct whose smallest value is the best member by {@link #order}; its last field is the doc_id.
   * Expects columns {@code doc_id}, {@code num_chars}, {@code crawl_date} and {@link #QUALITY}.
   */
  public static Column rank(RepresentativePolicy policy) {
    Column id = col(DocumentSchema.DOC_ID).as("doc_id");
    Column longest = col(DocumentSchema.NUM_CHARS).multiply(-1).as("neg_chars");
    return switch (policy) {
      case LONGEST -> struct(longest, id);
      case EARLIEST -> struct(coalesce(col(DocumentSchema.CRAWL_DATE), lit(NO_DATE)).as("date"), id);
      case QUALITY -> {
        Column q = col(QUALITY);
        Column missing = q.isNull().or(q.isNaN());
        yield struct(coalesce(when(not(missing), q.multiply(-1)), lit(Double.POSITIVE_INFINITY)).as("neg_quality"),
            longest, id);
      }
    };
  }

  /**
   * The quality value column for {@code policy} (null literal for other policies): the {@code quality_score}
   * column when {@code signal} is "", else that entry of {@code quality_signals}. Fails before any work when
   * the column the policy needs is absent.
   */
  public static Column qualityColumn(StructType schema, RepresentativePolicy policy, String signal, String path) {
    if (policy != RepresentativePolicy.QUALITY) {
      return lit(null).cast(DataTypes.DoubleType).as(QUALITY);
    }
    if (!signal.isEmpty()) {
      return col(DocumentSchema.QUALITY_SIGNALS).getItem(signal).cast(DataTypes.DoubleType).as(QUALITY);
    }
    if (!Arrays.asList(schema.fieldNames()).contains(QUALITY_SCORE)) {
      throw new ConfigError("dedup.representative = quality needs a " + QUALITY_SCORE + " column in " + path
          + ", or dedup.quality-signal naming a quality_signals entry");
    }
    return col(QUALITY_SCORE).cast(DataTypes.DoubleType).as(QUALITY);
  }
}
