package io.llmforge.trainer.reward;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmforge.pipeline.spark.AtomicOutput;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.sft.BadConversation;
import io.llmforge.trainer.sft.ConversationFormat;
import io.llmforge.trainer.sft.InputRows;
import io.llmforge.trainer.sft.Message;
import io.llmforge.trainer.sft.RawRow;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The {@code rm-score} job: conversations in (the formats of sft-prepare; the last turn is the answer to score),
 * {@code reward} out, at scale: each executor loads the reward model once per thread and scores its rows in batches.
 * Output Parquet: {@code id}, {@code source}, {@code reward}, {@code n_tokens}, {@code answer}, {@code raw}; rows that
 * are not conversations go to {@code rejects/} with their reason. Best-of-N and RL read rewards this way.
 */
public final class RewardScoreJob {
  public static final String SCORES = "scores";
  public static final String REJECTS = "rejects";
  private static final int RAW_CHARS_KEPT = 4000;

  static final StructType OUTCOME = new StructType()
      .add("id", DataTypes.StringType, false)
      .add("source", DataTypes.StringType, false)
      .add("reward", DataTypes.DoubleType, true)
      .add("n_tokens", DataTypes.IntegerType, false)
      .add("answer", DataTypes.StringType, true)
      .add("raw", DataTypes.StringType, true)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true);

  private RewardScoreJob() {}

  public static JobStats run(SparkSession spark, RewardScoreSettings s) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    if (!s.overwrite() && AtomicOutput.isComplete(hadoop, s.output())) {
      System.out.println("rm-score: " + s.output() + " is finished; skipping (use --overwrite)");
      return new JobStats().put("skipped", true).put("output", s.output());
    }
    long t0 = System.nanoTime();
    // resolved once on the driver, so every executor scores with the same version
    Path model = RewardModel.version(Path.of(s.model()));
    RewardModel.load(model, System.err); // fails here, before any work, on a missing or corrupt model
    List<String> json = new ArrayList<>();
    List<String> parquet = new ArrayList<>();
    InputRows.list(hadoop, "rm-score.input", s.input(), json, parquet);
    AtomicOutput out = AtomicOutput.begin(hadoop, s.output(), s.overwrite());
    Dataset<Row> scored = null;
    try {
      int partitions = Math.max(1, spark.sparkContext().defaultParallelism());
      scored = spark.createDataFrame(InputRows.read(spark, json, parquet).repartition(partitions)
          .mapPartitions(new Score(model.toString(), s.format(), s.batchSize())), OUTCOME)
          .persist(StorageLevel.MEMORY_AND_DISK());
      scored.filter(col("reason").isNull()).select("id", "source", "reward", "n_tokens", "answer", "raw")
          .coalesce(s.outputPartitions()).write().parquet(out.stagingPath(SCORES));
      scored.filter(col("reason").isNotNull()).select("id", "source", "reason", "detail", "raw").coalesce(1)
          .write().parquet(out.stagingPath(REJECTS));
      Map<String, Long> rejects = InputRows.countByReason(scored.filter(col("reason").isNotNull()));
      long rows = scored.count();
      long rejected = rejects.values().stream().mapToLong(Long::longValue).sum();
      Row mean = scored.filter(col("reason").isNull()).agg(org.apache.spark.sql.functions.avg("reward")).first();
      JobStats stats = new JobStats()
          .put("input", s.input())
          .put("output", out.target())
          .put("model", model.toString())
          .put("input_rows", rows)
          .put("scored", rows - rejected)
          .put("mean_reward", mean.isNullAt(0) ? null : mean.getDouble(0))
          .put("rejected", rejected)
          .put("rejects_by_reason", rejects)
          .put("seconds", (System.nanoTime() - t0) / 1e9);
      out.commit(stats.toJson());
      if (rejected > 0) {
        System.out.printf(Locale.ROOT, "rm-score: %d of %d rows rejected %s; kept with their reason in %s/%s%n",
            rejected, rows, rejects, s.output(), REJECTS);
      }
      return stats;
    } catch (RuntimeException e) {
      out.abort();
      throw e;
    } finally {
      if (scored != null) {
        scored.unpersist();
      }
    }
  }

  /** Executor side: parse, render, score in batches. */
  static final class Score implements FlatMapFunction<Iterator<Row>, Row> {
    private static final ThreadLocal<Map<String, RewardModel>> MODELS = ThreadLocal.withInitial(HashMap::new);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String model;
    private final ConversationFormat format;
    private final int batchSize;

    Score(String model, ConversationFormat format, int batchSize) {
      this.model = model;
      this.format = format;
      this.batchSize = batchSize;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      RewardModel rm = MODELS.get().computeIfAbsent(model, m ->
          RewardModel.load(Path.of(m), new PrintStream(OutputStream.nullOutputStream())));
      // lazily, a batch at a time: a partition's rows are never all in memory
      return new Iterator<>() {
        private final ArrayDeque<Row> ready = new ArrayDeque<>();

        @Override
        public boolean hasNext() {
          while (ready.isEmpty() && rows.hasNext()) {
            nextBatch();
          }
          return !ready.isEmpty();
        }

        @Override
        public Row next() {
          if (!hasNext()) {
            throw new java.util.NoSuchElementException();
          }
          return ready.poll();
        }

        private void nextBatch() {
          List<RawRow> pending = new ArrayList<>();
          List<int[]> ids = new ArrayList<>();
          List<String> answers = new ArrayList<>();
          while (rows.hasNext() && pending.size() < batchSize) {
            RawRow raw = InputRows.raw(rows.next());
            try {
              if (raw.reason() != null) {
                throw new BadConversation(raw.reason(), raw.detail());
              }
              List<Message> m = format.parse(JSON.readTree(raw.json())).messages();
              ids.add(rm.row(m.subList(0, m.size() - 1), m.get(m.size() - 1).content()));
              answers.add(m.get(m.size() - 1).content());
              pending.add(raw);
            } catch (BadConversation e) {
              ready.add(RowFactory.create(raw.id(), raw.source(), null, 0, null, cut(raw.json()), e.reason(),
                  e.getMessage()));
            } catch (Exception e) {
              ready.add(RowFactory.create(raw.id(), raw.source(), null, 0, null, cut(raw.json()),
                  BadConversation.INVALID_JSON, String.valueOf(e.getMessage()).lines().findFirst().orElse("")));
            }
          }
          if (!pending.isEmpty()) {
            double[] r = rm.forward(ids);
            for (int i = 0; i < r.length; i++) {
              ready.add(RowFactory.create(pending.get(i).id(), pending.get(i).source(), r[i], ids.get(i).length,
                  answers.get(i), cut(pending.get(i).json()), null, null));
            }
          }
        }
      };
    }

    private static String cut(String s) {
      return s == null || s.length() <= RAW_CHARS_KEPT ? s : s.substring(0, RAW_CHARS_KEPT);
    }
  }
}
