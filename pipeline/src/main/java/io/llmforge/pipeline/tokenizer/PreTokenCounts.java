package io.llmforge.pipeline.tokenizer;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The distributed half of tokenizer training: how often each pre-token occurs in a text column. Each task
 * counts into a bounded local map first (most pre-tokens repeat within a partition), so the shuffle carries one
 * row per distinct pre-token per task rather than one per occurrence.
 */
public final class PreTokenCounts {
  public static final String PIECE = "piece";
  public static final String COUNT = "count";
  private static final StructType SCHEMA = new StructType()
      .add(PIECE, DataTypes.StringType, false)
      .add(COUNT, DataTypes.LongType, false);

  private PreTokenCounts() {}

  /** {@code (piece, count)} over all texts, one row per distinct pre-token. */
  public static Dataset<Row> count(Dataset<String> texts, PreTokenizer.Kind kind, int maxCharsPerText) {
    Dataset<Row> partial = texts.mapPartitions(new LocalCounts(kind, maxCharsPerText), Encoders.row(SCHEMA));
    return partial.groupBy(PIECE).agg(sum(COUNT).as(COUNT));
  }

  /** The {@code k} most frequent, ties broken by the piece, gathered without collecting the rest. */
  public static List<Row> top(Dataset<Row> counts, int k) {
    return counts.orderBy(col(COUNT).desc(), col(PIECE).asc()).limit(k).collectAsList();
  }

  static final class LocalCounts implements MapPartitionsFunction<String, Row> {
    private static final int FLUSH_AT = 200_000;
    private final PreTokenizer.Kind kind;
    private final int maxChars;

    LocalCounts(PreTokenizer.Kind kind, int maxChars) {
      this.kind = kind;
      this.maxChars = maxChars;
    }

    @Override
    public Iterator<Row> call(Iterator<String> texts) {
      PreTokenizer pre = new PreTokenizer(kind);
      return new Iterator<>() {
        private Iterator<Row> flushed = Collections.emptyIterator();

        @Override
        public boolean hasNext() {
          while (!flushed.hasNext() && texts.hasNext()) {
            Map<String, long[]> local = new HashMap<>();
            while (texts.hasNext() && local.size() < FLUSH_AT) {
              String text = texts.next();
              if (text == null) {
                continue;
              }
              String cut = maxChars > 0 && text.length() > maxChars ? safeCut(text, maxChars) : text;
              pre.split(cut, (s, e) -> local.computeIfAbsent(cut.substring(s, e), x -> new long[1])[0]++);
            }
            List<Row> rows = new ArrayList<>(local.size());
            local.forEach((piece, n) -> rows.add(RowFactory.create(piece, n[0])));
            flushed = rows.iterator();
          }
          return flushed.hasNext();
        }

        @Override
        public Row next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          return flushed.next();
        }
      };
    }
  }

  /** Cuts at {@code max} chars without splitting a surrogate pair. */
  static String safeCut(String text, int max) {
    int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
    return text.substring(0, end);
  }
}
