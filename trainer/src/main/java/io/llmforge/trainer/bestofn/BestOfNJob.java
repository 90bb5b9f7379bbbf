package io.llmforge.trainer.bestofn;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmforge.pipeline.spark.AtomicOutput;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.reward.RewardModel;
import io.llmforge.trainer.sft.BadConversation;
import io.llmforge.trainer.sft.InputRows;
import io.llmforge.trainer.sft.Message;
import io.llmforge.trainer.sft.RawRow;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
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
 * The {@code best-of-n} job (rejection sampling): prompts in, for each the reward model's favourite of N sampled
 * answers out, as SFT conversations for another fine-tuning round. Each executor thread loads the policy and the
 * reward model once ({@link BestOfN}); both are resolved on the driver first, so every task uses the same versions.
 *
 * <p>Output (atomically, with stats.json): {@code chosen/} (DESIGN.md "conversations": {@code messages} = prompt +
 * chosen answer, plus {@code reward}, {@code sample}, {@code n}, {@code first_reward}), {@code candidates/} (every
 * answer: {@code id}, {@code sample}, {@code answer}, {@code reward}, {@code rank} 1 = chosen, 0 = may not be chosen,
 * {@code stopped}, {@code n_tokens}), {@code pairs/} (the judge's input: {@code prompt}, {@code answers} = [best,
 * worst], {@code rewards}; only where the two differ) and {@code rejects/}. A row that is no prompt, a prompt that
 * leaves no room for max-new-tokens in the policy's block ({@code too_long}) and a prompt none of whose answers may
 * be chosen ({@code no_complete_answer}) are rejects with their reason; {@code chosen + rejects = input} is checked.
 */
public final class BestOfNJob {
  public static final String CHOSEN = "chosen";
  public static final String CANDIDATES = "candidates";
  public static final String PAIRS = "pairs";
  public static final String REJECTS = "rejects";
  public static final String NO_COMPLETE_ANSWER = "no_complete_answer";
  private static final int RAW_CHARS_KEPT = 4000;

  static final StructType MESSAGE = new StructType()
      .add("role", DataTypes.StringType, false)
      .add("content", DataTypes.StringType, false);
  static final StructType CANDIDATE = new StructType()
      .add("sample", DataTypes.IntegerType, false)
      .add("answer", DataTypes.StringType, false)
      .add("reward", DataTypes.DoubleType, false)
      .add("rank", DataTypes.IntegerType, false)
      .add("stopped", DataTypes.BooleanType, false)
      .add("n_tokens", DataTypes.IntegerType, false);
  static final StructType OUTCOME = new StructType()
      .add("id", DataTypes.StringType, false)
      .add("source", DataTypes.StringType, false)
      .add("prompt", DataTypes.createArrayType(MESSAGE, false), true)
      .add("messages", DataTypes.createArrayType(MESSAGE, false), true)
      .add("reward", DataTypes.DoubleType, true)
      .add("sample", DataTypes.IntegerType, true)
      .add("n", DataTypes.IntegerType, false)
      .add("first_reward", DataTypes.DoubleType, true)
      .add("mean_reward", DataTypes.DoubleType, true)
      .add("stopped", DataTypes.IntegerType, false)
      .add("answers", DataTypes.createArrayType(DataTypes.StringType, false), true)
      .add("rewards", DataTypes.createArrayType(DataTypes.DoubleType, false), true)
      .add("candidates", DataTypes.createArrayType(CANDIDATE, false), true)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true)
      .add("raw", DataTypes.StringType, true);

  private BestOfNJob() {}

  public static JobStats run(SparkSession spark, BestOfNSettings s) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    if (!s.overwrite() && AtomicOutput.isComplete(hadoop, s.output())) {
      System.out.println("best-of-n: " + s.output() + " is finished; skipping (use --overwrite)");
      return new JobStats().put("skipped", true).put("output", s.output());
    }
    long t0 = System.nanoTime();
    s.checkModels();
    // resolved once here, so every task samples and scores with the same checkpoints; loading them fails now, before
    // any work, on a missing or corrupt model
    Path policy = Checkpoint.resolve(Path.of(s.policy()), System.err);
    Path rm = Checkpoint.resolve(RewardModel.version(Path.of(s.rewardModel())), System.err);
    BestOfN.open(policy, rm, s.options(), System.err);
    List<String> json = new ArrayList<>();
    List<String> parquet = new ArrayList<>();
    InputRows.list(hadoop, "best-of-n.input", s.input(), json, parquet);
    AtomicOutput out = AtomicOutput.begin(hadoop, s.output(), s.overwrite());
    Dataset<Row> outcomes = null;
    try {
      int partitions = Math.max(1, spark.sparkContext().defaultParallelism());
      outcomes = spark.createDataFrame(InputRows.read(spark, json, parquet).repartition(partitions)
          .mapPartitions(new Sample(policy.toString(), rm.toString(), s)), OUTCOME)
          .persist(StorageLevel.MEMORY_AND_DISK());
      Dataset<Row> chosen = outcomes.filter(col("reason").isNull());
      chosen.select("id", "source", "messages", "reward", "sample", "n", "first_reward")
          .coalesce(s.outputPartitions()).write().parquet(out.stagingPath(CHOSEN));
      outcomes.filter(col("candidates").isNotNull()).select(col("id"), explode(col("candidates")).as("c"))
          .select("id", "c.*").coalesce(s.outputPartitions()).write().parquet(out.stagingPath(CANDIDATES));
      outcomes.filter(col("answers").isNotNull()).select("id", "source", "prompt", "answers", "rewards")
          .coalesce(s.outputPartitions()).write().parquet(out.stagingPath(PAIRS));
      outcomes.filter(col("reason").isNotNull()).select("id", "source", "reason", "detail", "raw").coalesce(1)
          .write().parquet(out.stagingPath(REJECTS));

      // every figure in one pass over the persisted outcomes
      Row f = outcomes.agg(count(lit(1)), sum(when(col("reason").isNull(), 1).otherwise(0)),
          sum(when(col("candidates").isNotNull(), 1).otherwise(0)), sum(when(col("answers").isNotNull(), 1)
              .otherwise(0)), sum("stopped"), avg("mean_reward"), avg(when(col("reason").isNull(),
              col("first_reward"))), avg(when(col("reason").isNull(), col("reward")))).first();
      long rows = f.getLong(0);
      long kept = f.isNullAt(1) ? 0 : f.getLong(1);
      long prompts = f.isNullAt(2) ? 0 : f.getLong(2);
      long pairs = f.isNullAt(3) ? 0 : f.getLong(3);
      long stopped = f.isNullAt(4) ? 0 : f.getLong(4);
      Map<String, Long> rejects = InputRows.countByReason(outcomes.filter(col("reason").isNotNull()));
      long rejected = rejects.values().stream().mapToLong(Long::longValue).sum();
      if (kept + rejected != rows) {
        throw new IllegalStateException("row accounting is off: " + rows + " in, " + kept + " chosen, " + rejected
            + " rejected");
      }
      JobStats stats = new JobStats()
          .put("input", s.input())
          .put("output", out.target())
          .put("policy", policy.toString())
          .put("reward_model", rm.toString())
          .put("n", s.n())
          .put("temperature", s.temperature())
          .put("max_new_tokens", s.maxNewTokens())
          .put("seed", s.seed())
          .put("input_rows", rows)
          .put("prompts_sampled", prompts)
          .put("answers_sampled", prompts * s.n())
          .put("chosen", kept)
          .put("pairs", pairs)
          .put("mean_reward_best_of_1", f.isNullAt(6) ? null : f.getDouble(6))
          .put("mean_reward_best_of_n", f.isNullAt(7) ? null : f.getDouble(7))
          .put("mean_reward_all_answers", f.isNullAt(5) ? null : f.getDouble(5))
          .put("stop_rate", prompts == 0 ? null : (double) stopped / (prompts * s.n()))
          .put("rejected", rejected)
          .put("rejects_by_reason", rejects)
          .put("seconds", (System.nanoTime() - t0) / 1e9);
      out.commit(stats.toJson());
      System.out.printf(Locale.ROOT, "best-of-n: %d prompts x %d answers; mean reward %s (first sample) -> %s "
          + "(best of %d)%n", prompts, s.n(), fmt(stats.get("mean_reward_best_of_1")),
          fmt(stats.get("mean_reward_best_of_n")), s.n());
      if (rejected > 0) {
        System.out.printf(Locale.ROOT, "best-of-n: %d of %d rows rejected %s; kept with their reason in %s/%s%n",
            rejected, rows, rejects, s.output(), REJECTS);
      }
      return stats;
    } catch (RuntimeException e) {
      out.abort();
      throw e;
    } finally {
      if (outcomes != null) {
        outcomes.unpersist();
      }
    }
  }

  private static String fmt(Object v) {
    return v == null ? "n/a" : String.format(Locale.ROOT, "%.4f", ((Number) v).doubleValue());
  }

  /** Executor side: parse each row as a prompt, sample, score, choose. */
  static final class Sample implements FlatMapFunction<Iterator<Row>, Row> {
    private static final ThreadLocal<Map<String, BestOfN>> MODELS = ThreadLocal.withInitial(HashMap::new);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String policy;
    private final String rewardModel;
    private final BestOfNSettings settings;

    Sample(String policy, String rewardModel, BestOfNSettings settings) {
      this.policy = policy;
      this.rewardModel = rewardModel;
      this.settings = settings;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      BestOfN bestOfN = MODELS.get().computeIfAbsent(policy + "\u0000" + rewardModel + "\u0000" + settings, k ->
          BestOfN.open(Path.of(policy), Path.of(rewardModel), settings.options(),
              new PrintStream(OutputStream.nullOutputStream())));
      // one row at a time: a prompt's N answers are one batch already
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Row next() {
          return outcome(bestOfN, InputRows.raw(rows.next()));
        }
      };
    }

    private Row outcome(BestOfN bestOfN, RawRow raw) {
      List<Message> prompt;
      try {
        if (raw.reason() != null) {
          throw new BadConversation(raw.reason(), raw.detail());
        }
        prompt = settings.format().parsePrompt(JSON.readTree(raw.json()));
      } catch (BadConversation e) {
        return reject(raw, e.reason(), e.getMessage(), null);
      } catch (Exception e) {
        return reject(raw, BadConversation.INVALID_JSON, String.valueOf(e.getMessage()).lines().findFirst()
            .orElse(""), null);
      }
      if (!bestOfN.fits(prompt)) {
        return reject(raw, BadConversation.TOO_LONG, "the prompt's " + bestOfN.promptIds(prompt).length
            + " ids leave less than max-new-tokens = " + settings.maxNewTokens() + " of the policy's block", null);
      }
      BestOfN.Result r = bestOfN.run(prompt);
      List<BestOfN.Candidate> c = r.candidates();
      int[] ranks = r.ranks(settings.requireStop());
      List<Row> candidates = new ArrayList<>();
      double total = 0;
      int stopped = 0;
      for (int i = 0; i < c.size(); i++) {
        BestOfN.Candidate x = c.get(i);
        candidates.add(RowFactory.create(i, x.answer(), x.reward(), ranks[i], x.stopped(), x.tokens()));
        total += x.reward();
        stopped += x.stopped() ? 1 : 0;
      }
      Object[] sampled = {c.get(0).reward(), total / c.size(), stopped, seq(candidates)};
      if (!r.chosen()) {
        return reject(raw, NO_COMPLETE_ANSWER, "none of the " + c.size() + " answers "
            + (settings.requireStop() ? "ended with <|end|> within max-new-tokens" : "is non-empty"), sampled);
      }
      BestOfN.Candidate best = c.get(r.best());
      BestOfN.Candidate worst = c.get(r.worst());
      List<Message> conversation = new ArrayList<>(prompt);
      conversation.add(Message.assistant(best.answer()));
      boolean pair = !best.answer().strip().equals(worst.answer().strip());
      return RowFactory.create(raw.id(), raw.source(), messages(prompt), messages(conversation), best.reward(),
          r.best(), c.size(), sampled[0], sampled[1], stopped,
          pair ? seq(List.of(best.answer(), worst.answer())) : null,
          pair ? seq(List.of(best.reward(), worst.reward())) : null, seq(candidates), null, null, null);
    }

    private Row reject(RawRow raw, String reason, String detail, Object[] sampled) {
      return RowFactory.create(raw.id(), raw.source(), null, null, null, null, settings.n(),
          sampled == null ? null : sampled[0], sampled == null ? null : sampled[1],
          sampled == null ? 0 : sampled[2], null, null, sampled == null ? null : sampled[3], reason, detail,
          cut(raw.json()));
    }

    private static scala.collection.Seq<Row> messages(List<Message> messages) {
      return seq(messages.stream().map(m -> RowFactory.create(m.role(), m.content())).toList());
    }

    /** Spark's row encoder takes arrays as Scala sequences. */
    private static <T> scala.collection.Seq<T> seq(List<T> list) {
      return scala.collection.JavaConverters.asScalaBuffer(list).toSeq();
    }

    private static String cut(String s) {
      return s == null || s.length() <= RAW_CHARS_KEPT ? s : s.substring(0, RAW_CHARS_KEPT);
    }
  }
}
