package io.llmforge.pipeline.rephrase;

import io.llmforge.pipeline.spark.SerializableHadoopConf;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * The executor side of every job that asks a chat model (rephrase, the AI judge): one backend per task, requests in
 * batches, each answered batch written to the {@link RephraseCache} before the next is sent, so a killed or failed
 * run asks again only for what it has no answer to. Input rows are {@code (key, tag, system, user)} (the tag is
 * stored with the answer: the rephrase style, the judge's order); output rows {@link #STATUS}: the key and
 * {@code ok} or {@code failed}. The backend's counters are added to one Spark accumulator each.
 */
public final class CachedBackendCalls implements MapPartitionsFunction<Row, Row> {
  public static final StructType STATUS = new StructType()
      .add("key", DataTypes.StringType, false)
      .add("status", DataTypes.StringType, false);

  private final BackendSettings backend;
  private final int batchSize;
  private final String cacheDir;
  private final RephraseBackends.Factory backends;
  private final SerializableHadoopConf conf;
  private final Map<String, LongAccumulator> counters;

  /**
   * @param backend   what each task talks to (its share of the job's request rate already set)
   * @param batchSize requests sent together, then cached together
   */
  public CachedBackendCalls(BackendSettings backend, int batchSize, String cacheDir, RephraseBackends.Factory backends,
      SerializableHadoopConf conf, Map<String, LongAccumulator> counters) {
    this.backend = backend;
    this.batchSize = batchSize;
    this.cacheDir = cacheDir;
    this.backends = backends;
    this.conf = conf;
    this.counters = new HashMap<>(counters);
  }

  /** One accumulator per {@link RephraseBackend#COUNTERS} entry, named {@code <job>.<counter>}. */
  public static Map<String, LongAccumulator> accumulators(SparkSession spark, String job) {
    Map<String, LongAccumulator> out = new LinkedHashMap<>();
    for (String name : RephraseBackend.COUNTERS) {
      out.put(name, spark.sparkContext().longAccumulator(job + "." + name));
    }
    return out;
  }

  /** The accumulators' values. */
  public static Map<String, Long> values(Map<String, LongAccumulator> counters) {
    Map<String, Long> out = new LinkedHashMap<>();
    counters.forEach((k, v) -> out.put(k, v.value()));
    return out;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    if (!rows.hasNext()) {
      return Collections.emptyIterator();
    }
    List<Row> statuses = new ArrayList<>();
    RephraseCache.Writer cache = new RephraseCache.Writer(conf.get(), cacheDir);
    String model = backend.model();
    try (RephraseBackend client = backends.create(backend)) {
      List<RephraseBackend.Request> batch = new ArrayList<>();
      List<String> tags = new ArrayList<>();
      while (rows.hasNext()) {
        Row r = rows.next();
        batch.add(new RephraseBackend.Request(r.getString(0), r.getString(2), r.getString(3)));
        tags.add(r.getString(1));
        if (batch.size() == batchSize || !rows.hasNext()) {
          List<String> answers = client.rephrase(batch);
          for (int i = 0; i < batch.size(); i++) {
            String answer = answers.get(i);
            if (answer != null) {
              cache.add(batch.get(i).key(), tags.get(i), model, answer);
            }
            statuses.add(RowFactory.create(batch.get(i).key(), answer != null ? "ok" : "failed"));
          }
          cache.flush();
          batch.clear();
          tags.clear();
        }
      }
      client.counters().forEach((k, v) -> {
        LongAccumulator acc = counters.get(k);
        if (acc != null) {
          acc.add(v);
        }
      });
    }
    return statuses.iterator();
  }
}
