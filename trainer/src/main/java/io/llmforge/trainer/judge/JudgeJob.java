package io.llmforge.trainer.judge;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.pipeline.rephrase.CachedBackendCalls;
import io.llmforge.pipeline.rephrase.RephraseBackend;
import io.llmforge.pipeline.rephrase.RephraseBackends;
import io.llmforge.pipeline.rephrase.RephraseCache;
import io.llmforge.pipeline.spark.AtomicOutput;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.SerializableHadoopConf;
import io.llmforge.pipeline.tokenizer.Sha256;
import io.llmforge.trainer.sft.BadConversation;
import io.llmforge.trainer.sft.InputRows;
import io.llmforge.trainer.sft.Message;
import io.llmforge.trainer.sft.RawRow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.collection.JavaConverters;

/**
 * The {@code judge} job (RLAIF): pairs of answers in, preference rows out, judged by a model behind an
 * OpenAI-compatible endpoint or an llmforge checkpoint in-process.
 *
 * <ol>
 *   <li>Read the pairs ({@link CandidatePair}); a row that is not one is a reject with its reason.</li>
 *   <li>Ask the judge about every pair twice, answer a shown first and then b ({@link JudgePrompt}); requests the
 *   cache already answers are not sent; the rest go out from {@code parallelism} tasks in batches through the
 *   rephrase job's machinery ({@link CachedBackendCalls}: retries with backoff on 429 / 5xx / timeouts, rate limit,
 *   every answered batch cached before the next is sent). A request that fails for good has no reply.</li>
 *   <li>Read each reply's {@link Verdict} and keep a pair only when both orders name the same answer
 *   ({@link PairJudgement}); the others are rejects with the reason (failed_request, unparseable, tie,
 *   disagreement).</li>
 *   <li>Write the kept pairs as preference rows ({@code prompt}, {@code chosen}, {@code rejected}, {@code source},
 *   {@code created_at} = now, UTC ISO-8601; what pref-prepare and rm-retrain read) into the inbox as one new file,
 *   under a hidden name first and then renamed; then commit the job folder ({@code verdicts/}, {@code rejects/},
 *   {@code preferences/}, stats.json) atomically. {@code preferences + rejects = input} is checked.</li>
 * </ol>
 */
public final class JudgeJob {
  public static final String VERDICTS = "verdicts";
  public static final String REJECTS = "rejects";
  public static final String PREFERENCES = "preferences";
  private static final int RAW_CHARS_KEPT = 4000;
  private static final ObjectMapper JSON = new ObjectMapper();

  static final StructType PAIR = new StructType()
      .add("id", DataTypes.StringType, false)
      .add("source", DataTypes.StringType, false)
      .add("prompt", DataTypes.StringType, true)
      .add("answer_a", DataTypes.StringType, true)
      .add("answer_b", DataTypes.StringType, true)
      .add("key_ab", DataTypes.StringType, true)
      .add("user_ab", DataTypes.StringType, true)
      .add("key_ba", DataTypes.StringType, true)
      .add("user_ba", DataTypes.StringType, true)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true)
      .add("raw", DataTypes.StringType, true);

  static final StructType DECISION = new StructType()
      .add("id", DataTypes.StringType, false)
      .add("source", DataTypes.StringType, false)
      .add("verdict_ab", DataTypes.StringType, false)
      .add("verdict_ba", DataTypes.StringType, false)
      .add("reply_ab", DataTypes.StringType, true)
      .add("reply_ba", DataTypes.StringType, true)
      .add("chosen", DataTypes.IntegerType, false)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true)
      .add("raw", DataTypes.StringType, true)
      .add("preference", DataTypes.StringType, true);

  private JudgeJob() {}

  /** The job with the judge's backends: the endpoint client, or a checkpoint (constrained or free). */
  public static JobStats run(SparkSession spark, JudgeSettings s) {
    return run(spark, s, backends(s));
  }

  /** What each task asks: the endpoint client, or the checkpoint the settings name (constrained or free). */
  public static RephraseBackends.Factory backends(JudgeSettings s) {
    return CheckpointJudge.backends(s.constrained());
  }

  public static JobStats run(SparkSession spark, JudgeSettings s, RephraseBackends.Factory backends) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    if (!s.overwrite() && AtomicOutput.isComplete(hadoop, s.output())) {
      System.out.println("judge: " + s.output() + " is finished; skipping (use --overwrite)");
      return new JobStats().put("skipped", true).put("output", s.output());
    }
    long t0 = System.nanoTime();
    s.checkModel();
    List<String> json = new ArrayList<>();
    List<String> parquet = new ArrayList<>();
    InputRows.list(hadoop, "judge.input", s.input(), json, parquet);
    String inboxName = inboxFileName(hadoop, s, Stream.concat(json.stream(), parquet.stream()).sorted().toList());
    AtomicOutput out = AtomicOutput.begin(hadoop, s.output(), s.overwrite());
    Dataset<Row> pairs = null;
    Dataset<Row> decisions = null;
    try {
      int partitions = Math.max(1, spark.sparkContext().defaultParallelism());
      pairs = spark.createDataFrame(InputRows.read(spark, json, parquet).repartition(partitions)
          .map(new ToPair(s)), PAIR).persist(StorageLevel.MEMORY_AND_DISK());
      Dataset<Row> valid = pairs.filter(col("reason").isNull());
      Dataset<Row> requests = valid.select(col("key_ab").as("key"), lit("judge-ab").as("tag"),
              lit(s.prompt().system()).as("system"), col("user_ab").as("user"))
          .union(valid.select(col("key_ba").as("key"), lit("judge-ba").as("tag"),
              lit(s.prompt().system()).as("system"), col("user_ba").as("user")))
          .dropDuplicates("key");
      Dataset<Row> todo = requests.join(RephraseCache.read(spark, s.cacheDir()).select("key"), using("key"),
          "left_anti").repartition(s.parallelism());
      var counters = CachedBackendCalls.accumulators(spark, "judge");
      CachedBackendCalls calls = new CachedBackendCalls(s.backendForTask(), s.batchSize(), s.cacheDir(), backends,
          new SerializableHadoopConf(hadoop), counters);
      Map<String, Long> sent = new LinkedHashMap<>();
      for (Row r : todo.mapPartitions(calls, Encoders.row(CachedBackendCalls.STATUS)).groupBy("status").count()
          .collectAsList()) {
        sent.put(r.getString(0), r.getLong(1));
      }
      long distinctRequests = requests.count();

      Instant createdAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      Dataset<Row> replies = RephraseCache.read(spark, s.cacheDir());
      Dataset<Row> judged = valid
          .join(replies.withColumnRenamed("key", "key_ab").withColumnRenamed("text", "reply_ab"), using("key_ab"),
              "left")
          .join(replies.withColumnRenamed("key", "key_ba").withColumnRenamed("text", "reply_ba"), using("key_ba"),
              "left");
      decisions = judged.map(new Decide(s.source(), createdAt.toString()), Encoders.row(DECISION))
          .persist(StorageLevel.MEMORY_AND_DISK());
      decisions.select("id", "source", "verdict_ab", "verdict_ba", "reply_ab", "reply_ba", "chosen", "reason")
          .coalesce(1).write().parquet(out.stagingPath(VERDICTS));
      Dataset<Row> rejects = pairs.filter(col("reason").isNotNull()).select("id", "source", "reason", "detail", "raw")
          .unionByName(decisions.filter(col("reason").isNotNull()).select("id", "source", "reason", "detail", "raw"));
      rejects.coalesce(1).write().parquet(out.stagingPath(REJECTS));
      decisions.filter(col("preference").isNotNull()).select("preference").coalesce(1).write()
          .text(out.stagingPath(PREFERENCES));

      // the figures in as few passes as the persisted tables allow
      long rows = pairs.count();
      Row d = decisions.agg(count(lit(1)), sum(when(col("preference").isNotNull(), 1).otherwise(0)),
          sum(verdictIs(Verdict.A)), sum(verdictIs(Verdict.B)), sum(verdictIs(Verdict.TIE)),
          sum(verdictIs(Verdict.UNPARSEABLE)), sum(verdictIs(Verdict.FAILED))).first();
      long judgedPairs = d.getLong(0);
      long kept = d.isNullAt(1) ? 0 : d.getLong(1);
      Map<String, Long> verdicts = new LinkedHashMap<>();
      for (Verdict v : Verdict.values()) {
        verdicts.put(v.name(), d.isNullAt(2 + v.ordinal()) ? 0 : d.getLong(2 + v.ordinal()));
      }
      Map<String, Long> rejectsByReason = InputRows.countByReason(rejects);
      long rejected = rejectsByReason.values().stream().mapToLong(Long::longValue).sum();
      if (kept + rejected != rows) {
        throw new IllegalStateException("row accounting is off: " + rows + " in, " + kept + " preferences, "
            + rejected + " rejected");
      }
      long firstPosition = verdicts.get(Verdict.A.name());
      long decided = firstPosition + verdicts.get(Verdict.B.name());
      long disagreed = rejectsByReason.getOrDefault(PairJudgement.DISAGREEMENT, 0L);
      String inboxFile = kept == 0 ? null : publish(hadoop, out.stagingPath(PREFERENCES), s.inbox(), inboxName);
      long sentCount = sent.values().stream().mapToLong(Long::longValue).sum();
      JobStats stats = new JobStats()
          .put("input", s.input())
          .put("output", out.target())
          .put("judge", s.model())
          .put("source", s.source())
          .put("created_at", createdAt.toString())
          .put("input_rows", rows)
          .put("pairs", judgedPairs)
          .put("requests", 2 * judgedPairs)
          .put("distinct_requests", distinctRequests)
          .put("answered_from_cache", distinctRequests - sentCount)
          .put("sent_to_backend", sentCount)
          .put("failed_requests", sent.getOrDefault("failed", 0L))
          .put("backend_counters", CachedBackendCalls.values(counters))
          .put("verdicts", verdicts)
          // a judge without a preference for a position says A half the time over both orders
          .put("first_position_rate", decided == 0 ? null : (double) firstPosition / decided)
          .put("agreement_rate", kept + disagreed == 0 ? null : (double) kept / (kept + disagreed))
          .put("preferences", kept)
          .put("rejected", rejected)
          .put("rejects_by_reason", rejectsByReason)
          .put("inbox_file", inboxFile)
          .put("seconds", (System.nanoTime() - t0) / 1e9);
      out.commit(stats.toJson());
      System.out.printf(Locale.ROOT, "judge: %d of %d pairs kept as preferences (both orders agree)%s; %d rejected "
          + "%s%n", kept, judgedPairs, inboxFile == null ? "" : ", written to " + inboxFile, rejected,
          rejectsByReason);
      return stats;
    } catch (RuntimeException e) {
      out.abort();
      throw e;
    } finally {
      if (pairs != null) {
        pairs.unpersist();
      }
      if (decisions != null) {
        decisions.unpersist();
      }
    }
  }

  /**
   * {@code judge-<key>.jsonl}: the key hashes the output, the judge and its prompts, and every input file's name,
   * size and time, so rerunning the same judging (after a failure, or with --overwrite) replaces its own file rather
   * than adding the same pairs again, while judging new input adds a new file.
   */
  static String inboxFileName(Configuration conf, JudgeSettings s, List<String> files) {
    StringBuilder key = new StringBuilder(new Path(s.output()).toString()).append('\n').append(s.model())
        .append('\n').append(s.prompt()).append('\n').append(s.source());
    for (String f : files) {
      try {
        Path p = new Path(f);
        FileStatus st = p.getFileSystem(conf).getFileStatus(p);
        key.append('\n').append(f).append('\t').append(st.getLen()).append('\t').append(st.getModificationTime());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot stat " + f, e);
      }
    }
    return "judge-" + Sha256.hex(key.toString()).substring(0, 16) + ".jsonl";
  }

  /**
   * Copies the staged preference rows into the inbox under a hidden name (which no reader lists) and renames it into
   * place; returns the file's path.
   */
  static String publish(Configuration conf, String staged, String inbox, String name) {
    try {
      Path dir = new Path(staged);
      FileSystem fs = dir.getFileSystem(conf);
      FileStatus[] parts = fs.listStatus(dir, p -> p.getName().startsWith("part-"));
      if (parts.length != 1) {
        throw new IllegalStateException("expected one staged preference file in " + staged + ", found "
            + parts.length);
      }
      Path folder = new Path(inbox);
      FileSystem target = folder.getFileSystem(conf);
      target.mkdirs(folder);
      Path hidden = new Path(folder, "." + name + ".tmp-" + UUID.randomUUID());
      Path file = new Path(folder, name);
      FileUtil.copy(fs, parts[0].getPath(), target, hidden, false, conf);
      if (target.exists(file)) {
        target.delete(file, false); // the same judging rerun: its rows replace the earlier ones
      }
      if (!target.rename(hidden, file)) {
        throw new IOException("rename " + hidden + " -> " + file + " failed");
      }
      return target.makeQualified(file).toString();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the preference file " + name + " into " + inbox, e);
    }
  }

  /** 1 for each order of a pair whose verdict is {@code v}: summed, how often each verdict came back. */
  private static org.apache.spark.sql.Column verdictIs(Verdict v) {
    return when(col("verdict_ab").equalTo(v.name()), 1).otherwise(0)
        .plus(when(col("verdict_ba").equalTo(v.name()), 1).otherwise(0));
  }

  private static scala.collection.Seq<String> using(String column) {
    return JavaConverters.asScalaBuffer(List.of(column)).toSeq();
  }

  private static String cut(String s) {
    return s == null || s.length() <= RAW_CHARS_KEPT ? s : s.substring(0, RAW_CHARS_KEPT);
  }

  /** Step 1, on the executors: a raw row becomes a pair with its two requests, or a reject. */
  static final class ToPair implements Function<Row, Row> {
    private final JudgeSettings settings;

    ToPair(JudgeSettings settings) {
      this.settings = settings;
    }

    @Override
    public Row call(Row row) {
      RawRow raw = InputRows.raw(row);
      try {
        if (raw.reason() != null) {
          throw new BadConversation(raw.reason(), raw.detail());
        }
        CandidatePair pair = CandidatePair.parse(JSON.readTree(raw.json()));
        String model = settings.model();
        RephraseBackend.Request ab = settings.prompt().request(model, pair.prompt(), pair.a(), pair.b());
        RephraseBackend.Request ba = settings.prompt().request(model, pair.prompt(), pair.b(), pair.a());
        return RowFactory.create(raw.id(), raw.source(), messagesJson(pair.prompt()), pair.a(), pair.b(), ab.key(),
            ab.user(), ba.key(), ba.user(), null, null, cut(raw.json()));
      } catch (BadConversation e) {
        return reject(raw, e.reason(), e.getMessage());
      } catch (Exception e) {
        return reject(raw, BadConversation.INVALID_JSON, String.valueOf(e.getMessage()).lines().findFirst()
            .orElse(""));
      }
    }

    private static Row reject(RawRow raw, String reason, String detail) {
      return RowFactory.create(raw.id(), raw.source(), null, null, null, null, null, null, null, reason, detail,
          cut(raw.json()));
    }

    private static String messagesJson(List<Message> messages) {
      ArrayNode a = JSON.createArrayNode();
      for (Message m : messages) {
        a.addObject().put("role", m.role()).put("content", m.content());
      }
      return a.toString();
    }
  }

  /** Step 3: a pair with both replies becomes a preference row or a reject. */
  static final class Decide implements MapFunction<Row, Row> {
    private final String source;
    private final String createdAt;

    Decide(String source, String createdAt) {
      this.source = source;
      this.createdAt = createdAt;
    }

    @Override
    public Row call(Row r) throws Exception {
      String replyAb = r.getAs("reply_ab");
      String replyBa = r.getAs("reply_ba");
      Verdict ab = Verdict.parse(replyAb);
      Verdict ba = Verdict.parse(replyBa);
      PairJudgement j = PairJudgement.of(ab, ba);
      String preference = null;
      String detail = null;
      if (j.kept()) {
        String a = r.getAs("answer_a");
        String b = r.getAs("answer_b");
        ObjectNode row = JSON.createObjectNode();
        row.set("prompt", JSON.readTree(r.<String>getAs("prompt")));
        row.put("chosen", j.chosen() == 0 ? a : b);
        row.put("rejected", j.chosen() == 0 ? b : a);
        row.put("source", source);
        row.put("created_at", createdAt);
        preference = row.toString();
      } else {
        detail = "with answer a shown as A the judge said " + ab + "; with answer b shown as A, " + ba;
      }
      return RowFactory.create(r.getAs("id"), r.getAs("source"), ab.name(), ba.name(), replyAb, replyBa, j.chosen(),
          j.reason(), detail, j.kept() ? null : r.getAs("raw"), preference);
    }
  }
}
