package io.llmforge.pipeline.clean;

import static io.llmforge.pipeline.spark.DocumentSchema.CONTENT_SHA1;
import static io.llmforge.pipeline.spark.DocumentSchema.CRAWL_DATE;
import static io.llmforge.pipeline.spark.DocumentSchema.DOC_ID;
import static io.llmforge.pipeline.spark.DocumentSchema.INPUT_KEY;
import static io.llmforge.pipeline.spark.DocumentSchema.NUM_CHARS;
import static io.llmforge.pipeline.spark.DocumentSchema.NUM_WORDS;
import static io.llmforge.pipeline.spark.DocumentSchema.QUALITY_SIGNALS;
import static io.llmforge.pipeline.spark.DocumentSchema.REJECT_REASON;
import static io.llmforge.pipeline.spark.DocumentSchema.REJECT_STAGE;
import static io.llmforge.pipeline.spark.DocumentSchema.TEXT;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.llmforge.pipeline.spark.DocumentSchema;
import io.llmforge.pipeline.text.ContentHash;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Corpus-wide paragraph dedup (CCNet, Dolma): every kept document's units ({@link Paragraphs}) are hashed, each hash
 * is counted over the whole corpus, and a unit found in more than {@code max-occurrences} documents is removed by the
 * policy (keep-first: from every document but the first; drop-all: from all). A document left with fewer than
 * {@code min-words} words becomes a {@code paragraph_dedup} reject holding its original text; every other document
 * keeps its {@code doc_id} (the capture's identity) with its text, {@code content_sha1}, {@code num_chars} and
 * {@code num_words} recomputed. What was removed is stored per document in {@code quality_signals}
 * ({@link #UNITS}, {@link #REMOVED_UNITS}, {@link #REMOVED_CHARS}) and summed into stats.json.
 *
 * <pre>
 *   kept documents → (input key, date, doc id, unit hash) per distinct unit   [persisted: hashes, no text]
 *     → count per hash (map-side combined) → hashes over the limit, with their first document
 *     → join back on hash → hashes to remove, per document → join documents on input key → strip
 * </pre>
 *
 * <p>The count is an aggregation, so a footer on millions of pages costs one row per partition in the shuffle; the
 * join back on those hashes is where the skew is, and it is left to adaptive execution (a small set of repeated
 * hashes is broadcast; a large one has its skewed partitions split), as in {@link ExactDedup}.
 */
public final class ParagraphDedup implements AutoCloseable {
  public static final String UNITS = "paragraph_dedup_units";
  public static final String REMOVED_UNITS = "paragraph_dedup_removed_units";
  public static final String REMOVED_CHARS = "paragraph_dedup_removed_chars";
  /** How many of the most repeated units stats.json shows, with an example of their text. */
  static final int TOP = 10;

  private static final Timestamp NO_DATE = Timestamp.valueOf("9999-12-31 00:00:00");
  private static final String HASH = "_hash";
  private static final StructType UNIT_ROWS = new StructType()
      .add(INPUT_KEY, DataTypes.StringType, false)
      .add(CRAWL_DATE, DataTypes.TimestampType, true)
      .add(DOC_ID, DataTypes.StringType, false)
      .add(HASH, DataTypes.LongType, false);
  private static final StructType SAMPLE_ROWS = new StructType()
      .add(HASH, DataTypes.LongType, false)
      .add(TEXT, DataTypes.StringType, false);

  private final ParagraphDedupSettings settings;
  private final Dataset<Row> input;
  private final Dataset<Row> units;
  private final Dataset<Row> repeated;
  private final Dataset<Row> outcomes;

  private ParagraphDedup(ParagraphDedupSettings settings, Dataset<Row> input, Dataset<Row> units,
                         Dataset<Row> repeated, Dataset<Row> outcomes) {
    this.settings = settings;
    this.input = input;
    this.units = units;
    this.repeated = repeated;
    this.outcomes = outcomes;
  }

  /**
   * @param outcomes rows of {@code DocumentSchema.OUTCOMES}; rejects pass through untouched. Read four times (the
   *                 unit hashes, the join with the removals, the rejects passed through, the samples for
   *                 stats.json): pass it materialised, as the clean job does ({@code Lineage.cut})
   * @return the stage; its {@link #outcomes()} have the same schema and one row per input row
   */
  public static ParagraphDedup apply(Dataset<Row> outcomes, ParagraphDedupSettings settings) {
    Column isKept = col(REJECT_STAGE).isNull();
    Dataset<Row> input = outcomes;
    Dataset<Row> kept = input.filter(isKept);
    Dataset<Row> units = kept.select(INPUT_KEY, CRAWL_DATE, DOC_ID, TEXT)
        .flatMap(new UnitKeys(settings.unit()), Encoders.row(UNIT_ROWS))
        .persist(StorageLevel.MEMORY_AND_DISK_SER());
    Column order = struct(coalesce(col(CRAWL_DATE), lit(NO_DATE)).as("date"), col(DOC_ID).as("id"),
        col(INPUT_KEY).as("key"));
    Dataset<Row> repeated = units.groupBy(col(HASH)).agg(count(lit(1)).as("n"), min(order).as("first"))
        .filter(col("n").gt(settings.maxOccurrences()))
        .select(col(HASH), col("n"), col("first.key").as("_first_key"))
        .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> hits = units.select(INPUT_KEY, HASH).join(repeated.select(HASH, "_first_key"), HASH);
    if (settings.policy() == ParagraphDedupPolicy.KEEP_FIRST) {
      hits = hits.filter(col(INPUT_KEY).notEqual(col("_first_key")));
    }
    Dataset<Row> removals = hits.groupBy(col(INPUT_KEY).as("_removal_key")).agg(collect_list(HASH).as("_remove"));
    Dataset<Row> joined = kept.join(removals, kept.col(INPUT_KEY).equalTo(removals.col("_removal_key")), "left");
    Dataset<Row> stripped = joined.map(new Strip(settings), Encoders.row(DocumentSchema.OUTCOMES));
    return new ParagraphDedup(settings, input, units, repeated,
        stripped.unionByName(input.filter(isKept.unary_$bang())));
  }

  public Dataset<Row> outcomes() {
    return outcomes;
  }

  /**
   * stats.json's {@code paragraph_dedup} section. Removal counts are summed from {@code result}'s signals (the
   * final rows, so they cover exactly the documents that were written); the repeated units come from the counts.
   */
  public Map<String, Object> stats(Dataset<Row> result) {
    Column units = element_at(col(QUALITY_SIGNALS), lit(UNITS));
    Column removedUnits = element_at(col(QUALITY_SIGNALS), lit(REMOVED_UNITS));
    Column removedChars = element_at(col(QUALITY_SIGNALS), lit(REMOVED_CHARS));
    Row sums = result.filter(units.isNotNull()).agg(count(lit(1)), sum(units), sum(removedUnits), sum(removedChars),
        sum(when(removedUnits.gt(0), 1).otherwise(0)),
        sum(when(col(REJECT_STAGE).equalTo(Stage.PARAGRAPH_DEDUP), 1).otherwise(0))).first();
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("unit", settings.unitName());
    stats.put("policy", settings.policyName());
    stats.put("max_occurrences", settings.maxOccurrences());
    stats.put("min_words", settings.minWords());
    stats.put("documents_in", sums.getLong(0));
    stats.put("units", sums.isNullAt(1) ? 0L : (long) sums.getDouble(1));
    stats.put("repeated_units", repeated.count());
    stats.put("units_removed", sums.isNullAt(2) ? 0L : (long) sums.getDouble(2));
    stats.put("chars_removed", sums.isNullAt(3) ? 0L : (long) sums.getDouble(3));
    stats.put("documents_changed", sums.isNullAt(4) ? 0L : sums.getLong(4));
    stats.put("documents_rejected", sums.isNullAt(5) ? 0L : sums.getLong(5));
    stats.put("most_repeated", mostRepeated());
    return stats;
  }

  /** The {@link #TOP} most repeated units with their document count and one of their texts (the smallest). */
  private List<Map<String, Object>> mostRepeated() {
    List<Row> top = repeated.orderBy(col("n").desc(), col(HASH)).limit(TOP).collectAsList();
    if (top.isEmpty()) {
      return List.of();
    }
    Set<Long> wanted = new HashSet<>();
    top.forEach(r -> wanted.add(r.getLong(0)));
    // One more pass over the kept text, for at most TOP hashes: the counting never carries text.
    Map<Long, String> samples = new TreeMap<>();
    for (Row r : input.filter(col(REJECT_STAGE).isNull()).select(TEXT).flatMap(new Samples(settings.unit(), wanted), Encoders.row(SAMPLE_ROWS))
        .groupBy(HASH).agg(min(TEXT)).collectAsList()) {
      samples.put(r.getLong(0), r.getString(1));
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : top) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("documents", r.getLong(1));
      one.put("text", samples.getOrDefault(r.getLong(0), ""));
      out.add(one);
    }
    return out;
  }

  @Override
  public void close() {
    repeated.unpersist();
    units.unpersist();
  }

  /** A kept document's distinct unit hashes, one row each. */
  static final class UnitKeys implements FlatMapFunction<Row, Row> {
    private final DedupUnit unit;

    UnitKeys(DedupUnit unit) {
      this.unit = unit;
    }

    @Override
    public Iterator<Row> call(Row doc) {
      long[] keys = Paragraphs.keys(doc.getString(3), unit);
      List<Row> rows = new ArrayList<>(keys.length);
      for (long key : keys) {
        rows.add(RowFactory.create(doc.get(0), doc.get(1), doc.get(2), key));
      }
      return rows.iterator();
    }
  }

  /** (hash, text) of every unit whose hash is wanted, truncated for stats.json. */
  static final class Samples implements FlatMapFunction<Row, Row> {
    private static final int MAX_CHARS = 200;
    private final DedupUnit unit;
    private final Set<Long> wanted;

    Samples(DedupUnit unit, Set<Long> wanted) {
      this.unit = unit;
      this.wanted = Set.copyOf(wanted);
    }

    @Override
    public Iterator<Row> call(Row doc) {
      List<Row> rows = new ArrayList<>();
      for (String u : Paragraphs.units(doc.getString(0), unit)) {
        String normal = ParagraphKey.normalize(u);
        if (!normal.isEmpty() && wanted.contains(ParagraphKey.hash(normal))) {
          rows.add(RowFactory.create(ParagraphKey.hash(normal), u.length() > MAX_CHARS ? u.substring(0, MAX_CHARS) : u));
        }
      }
      return rows.iterator();
    }
  }

  /** A kept document with its removal list (null: nothing to remove) to its outcome row. */
  static final class Strip implements MapFunction<Row, Row> {
    private static final String[] FIELDS = DocumentSchema.OUTCOMES.fieldNames();
    private static final List<String> NAMES = Arrays.asList(FIELDS);
    private final ParagraphDedupSettings settings;

    Strip(ParagraphDedupSettings settings) {
      this.settings = settings;
    }

    @Override
    public Row call(Row joined) {
      String text = joined.getAs(TEXT);
      List<Long> remove = joined.isNullAt(joined.fieldIndex("_remove")) ? List.of() : joined.getList(
          joined.fieldIndex("_remove"));
      Set<Long> removeSet = new HashSet<>(remove);
      Paragraphs.Stripped s = Paragraphs.strip(text, settings.unit(), removeSet::contains);
      Map<String, Double> signals = new TreeMap<>(joined.<String, Double>getJavaMap(joined.fieldIndex(QUALITY_SIGNALS)));
      signals.put(UNITS, (double) s.units());
      signals.put(REMOVED_UNITS, (double) s.removedUnits());
      signals.put(REMOVED_CHARS, (double) s.removedChars());
      Object[] values = new Object[FIELDS.length];
      for (int i = 0; i < FIELDS.length; i++) {
        values[i] = joined.getAs(FIELDS[i]);
      }
      values[index(QUALITY_SIGNALS)] = scala.collection.JavaConverters.mapAsScalaMap(signals);
      if (s.removedUnits() == 0) {
        return RowFactory.create(values);
      }
      int words = WordCount.of(s.text());
      if (words < settings.minWords()) {
        values[index(REJECT_STAGE)] = Stage.PARAGRAPH_DEDUP;
        values[index(REJECT_REASON)] = "too_short_after_paragraph_dedup: " + words + " words < " + settings.minWords()
            + " after removing " + s.removedUnits() + " of " + s.units() + " " + settings.unitName() + "s repeated in > "
            + settings.maxOccurrences() + " documents";
        return RowFactory.create(values);
      }
      values[index(TEXT)] = s.text();
      values[index(CONTENT_SHA1)] = ContentHash.contentSha1(s.text());
      values[index(NUM_CHARS)] = s.text().length();
      values[index(NUM_WORDS)] = words;
      return RowFactory.create(values);
    }

    private static int index(String field) {
      return NAMES.indexOf(field);
    }
  }
}
