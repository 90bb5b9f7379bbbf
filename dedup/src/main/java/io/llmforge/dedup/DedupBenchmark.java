package io.llmforge.dedup;

import io.llmforge.pipeline.spark.DocumentSchema;
import io.llmforge.pipeline.spark.JobStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

/**
 * llmforge's MinHash LSH against Spark MLlib's {@link org.apache.spark.ml.feature.MinHashLSH} in the same run,
 * on the same corpus ({@link NearDuplicateCorpus} over the real texts, written to Parquet first), the same
 * shingles and the same threshold. Both start from the Parquet documents and end with their verified pairs
 * counted; both are scored against the exact reference pairs ({@link ExactJaccardJoin#allPairs}).
 *
 * <p>Timed: llmforge = signatures + banding + candidates + verification (the pair-finding part of the job;
 * its connected components are timed separately), MLlib = shingle vectors + fit + approxSimilarityJoin. A small
 * warm-up run of both comes first so neither pays for JIT compilation. MLlib runs are skipped above
 * {@code mllibMaxDocs} and cancelled after {@code mllibTimeoutSeconds} (then the ratio is a lower bound).
 */
public final class DedupBenchmark {
  private DedupBenchmark() {}

  public record Options(List<Integer> sizes, Path textDir, Path workDir, NearDuplicateCorpus.Spec corpus,
      int mllibHashTables, long mllibMaxDocs, double mllibTimeoutSeconds, int partitions) {}

  /** One corpus size: what each side took and found. A side that did not run has {@link Clock.Lap#NONE}. */
  public record Result(int documents, int naturalChunks, long referencePairs, double referenceSeconds,
      Clock.Lap ours, Clock.Lap oursComponents, PairMetrics oursMetrics, Map<String, Object> oursStats,
      Clock.Lap mllib, String mllibStatus, PairMetrics mllibMetrics) {

    /** MLlib's wall-clock time over ours (a lower bound when MLlib was cancelled). */
    public double speedup() {
      return mllib.seconds() / ours.seconds();
    }

    /** Documents per second and core in the job's signature stage (its wall-clock time, all cores busy). */
    public double signatureDocsPerCoreSecond(int cores) {
      Object phases = oursStats.get("phase_seconds");
      double seconds = phases instanceof Map<?, ?> m && m.get("signatures") instanceof Number x ? x.doubleValue()
          : Double.NaN;
      return documents / seconds / cores;
    }

    /** The same ratio in CPU time of the whole process: robust against other load on the machine. */
    public double cpuSpeedup() {
      return mllib.cpuSeconds() / ours.cpuSeconds();
    }

    public Map<String, Object> asMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("documents", documents);
      m.put("natural_chunk_documents_max", naturalChunks);
      m.put("reference_pairs", referencePairs);
      m.put("reference_seconds", referenceSeconds);
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("seconds_pairs", ours.seconds());
      o.put("cpu_seconds_pairs", ours.cpuSeconds());
      o.put("seconds_clusters", oursComponents.seconds());
      o.putAll(oursMetrics.asMap());
      o.put("job_stats", oursStats);
      m.put("llmforge", o);
      Map<String, Object> b = new LinkedHashMap<>();
      b.put("status", mllibStatus);
      b.put("seconds", mllib.seconds());
      b.put("cpu_seconds", mllib.cpuSeconds());
      if (mllibMetrics != null) {
        b.putAll(mllibMetrics.asMap());
      }
      m.put("mllib", b);
      m.put("speedup_wall", finite(speedup()));
      m.put("speedup_cpu", finite(cpuSpeedup()));
      return m;
    }

    private static Double finite(double x) {
      return Double.isFinite(x) ? Math.round(x * 100) / 100.0 : null;
    }
  }

  /**
   * One core's throughput, on the driver thread over the same corpus texts: the analysis chain alone (Lucene's
   * word segmentation and lower case, nothing hashed: the practical limit) and whole signatures.
   */
  public record SignatureThroughput(int documents, long words, double tokenizeDocsPerSecond,
      double signatureDocsPerSecond) {
    /** Signature throughput over tokenizing alone: 1.0 would mean shingling and hashing cost nothing. */
    public double ratio() {
      return signatureDocsPerSecond / tokenizeDocsPerSecond;
    }

    public Map<String, Object> asMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("documents", documents);
      m.put("words", words);
      m.put("tokenize_docs_per_second_one_core", Math.round(tokenizeDocsPerSecond));
      m.put("signature_docs_per_second_one_core", Math.round(signatureDocsPerSecond));
      m.put("signature_over_tokenize", round(ratio()));
      return m;
    }
  }

  /** Measures {@link SignatureThroughput} over the first {@code n} corpus documents, best of three passes. */
  public static SignatureThroughput signatureThroughput(Path textDir, NearDuplicateCorpus.Spec spec, int n,
      int numHashes) {
    NearDuplicateCorpus corpus = NearDuplicateCorpus.cached(textDir, spec);
    List<String> texts = IntStream.range(0, n).mapToObj(corpus::text).toList();
    long words = 0;
    long bestTokenize = Long.MAX_VALUE;
    long bestSignature = Long.MAX_VALUE;
    long sink = 0;
    try (ShingleHasher hasher = new ShingleHasher(spec.shingleSize());
         MinHashSignatures signatures = new MinHashSignatures(spec.shingleSize(), numHashes)) {
      for (int pass = 0; pass < 3; pass++) {
        long t0 = System.nanoTime();
        words = 0;
        for (String text : texts) {
          words += hasher.words(text);
        }
        long t1 = System.nanoTime();
        for (String text : texts) {
          long[] signature = signatures.signature(text);
          sink += signature.length == 0 ? 0 : signature[0];
        }
        long t2 = System.nanoTime();
        bestTokenize = Math.min(bestTokenize, t1 - t0);
        bestSignature = Math.min(bestSignature, t2 - t1);
      }
    }
    if (sink == 42) {
      System.out.print(""); // keeps the signatures from being optimised away
    }
    return new SignatureThroughput(n, words, n / (bestTokenize / 1e9), n / (bestSignature / 1e9));
  }

  /** Wall-clock and whole-process CPU time since a start. */
  public static final class Clock {
    private static final com.sun.management.OperatingSystemMXBean OS =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    private long wall;
    private long cpu;

    private Clock() {
      wall = System.nanoTime();
      cpu = OS.getProcessCpuTime();
    }

    public static Clock start() {
      return new Clock();
    }

    /** Time since the start or the previous lap. */
    public Lap lap() {
      long nowWall = System.nanoTime();
      long nowCpu = OS.getProcessCpuTime();
      Lap lap = new Lap(round((nowWall - wall) / 1e9), round((nowCpu - cpu) / 1e9));
      wall = nowWall;
      cpu = nowCpu;
      return lap;
    }

    /** Seconds of wall-clock and of CPU (all threads of this JVM: Spark's local executors run in it). */
    public record Lap(double seconds, double cpuSeconds) {
      public static final Lap NONE = new Lap(Double.NaN, Double.NaN);
    }
  }

  /** Runs every size in {@code o}, handing each result to {@code onResult} as soon as it is measured. */
  public static List<Result> run(SparkSession spark, DedupSettings s, Options o, Consumer<Result> onResult) {
    NearDuplicateCorpus corpus = NearDuplicateCorpus.cached(o.textDir(), o.corpus());
    warmUp(spark, s, o);
    List<Result> results = new ArrayList<>();
    for (int n : o.sizes()) {
      Result r = runSize(spark, s, o, corpus, n);
      results.add(r);
      onResult.accept(r);
    }
    return results;
  }

  private static void warmUp(SparkSession spark, DedupSettings s, Options o) {
    int n = 2000;
    Dataset<Row> docs = corpusParquet(spark, o, n);
    DedupJob.Outcome outcome = DedupJob.dedup(docs, s, noQuality());
    outcome.edges().count();
    outcome.release();
    Dataset<Row> vectors = MllibMinHashBaseline.vectors(docs, s.shingleSize()).persist(StorageLevel.MEMORY_AND_DISK());
    MllibMinHashBaseline.pairs(vectors, o.mllibHashTables(), s.threshold(), o.corpus().seed()).count();
    vectors.unpersist();
  }

  private static Result runSize(SparkSession spark, DedupSettings s, Options o, NearDuplicateCorpus corpus, int n) {
    Dataset<Row> docs = corpusParquet(spark, o, n);
    long r0 = System.nanoTime();
    PairSet reference = reference(corpus, n, s);
    double referenceSeconds = seconds(r0);
    Map<String, Integer> index = new HashMap<>(n * 2);
    for (int i = 0; i < n; i++) {
      index.put(NearDuplicateCorpus.docId(i), i);
    }

    // llmforge: the job's computation without writing. Pair time = signatures + candidates + verification.
    Clock clock = Clock.start();
    NearDuplicates.Found found = NearDuplicates.find(docs, s, noQuality());
    Clock.Lap ours = clock.lap();
    DedupJob.Outcome outcome = DedupJob.cluster(docs, found, s);
    Clock.Lap components = clock.lap();
    PairSet oursPairs = DedupEvaluation.pairs(outcome.edges().collectAsList(), index);
    JobStats stats = outcome.stats();
    outcome.release();
    PairMetrics oursMetrics = PairMetrics.of(oursPairs, reference, s.threshold());

    Clock.Lap mllib = Clock.Lap.NONE;
    String status;
    PairMetrics mllibMetrics = null;
    if (n > o.mllibMaxDocs()) {
      status = "skipped: more than " + o.mllibMaxDocs() + " documents";
    } else {
      Clock mllibClock = Clock.start();
      Dataset<Row> vectors = MllibMinHashBaseline.vectors(docs, s.shingleSize())
          .persist(StorageLevel.MEMORY_AND_DISK());
      Dataset<Row> pairs = MllibMinHashBaseline.pairs(vectors, o.mllibHashTables(), s.threshold(), o.corpus().seed())
          .persist(StorageLevel.MEMORY_AND_DISK());
      Long count = withTimeout(spark, o.mllibTimeoutSeconds(), pairs::count);
      mllib = mllibClock.lap();
      if (count == null) {
        status = "cancelled after " + Math.round(mllib.seconds()) + " s";
      } else {
        status = "ok";
        mllibMetrics = PairMetrics.of(DedupEvaluation.pairs(pairs.collectAsList(), index), reference, s.threshold());
      }
      pairs.unpersist();
      vectors.unpersist();
    }
    return new Result(n, corpus.naturalChunks(), reference.size(), referenceSeconds, ours, components, oursMetrics,
        stats.asMap(), mllib, status, mllibMetrics);
  }

  /** The exact reference pairs of the first {@code n} documents, regenerated on the driver. */
  static PairSet reference(NearDuplicateCorpus corpus, int n, DedupSettings s) {
    long[][] sets;
    try (ShingleSets shingles = new ShingleSets(s.shingleSize())) {
      sets = IntStream.range(0, n).parallel().mapToObj(i -> shingles.of(corpus.text(i))).toArray(long[][]::new);
    }
    return ExactJaccardJoin.allPairs(sets, s.threshold());
  }

  /** The first {@code n} corpus documents as Parquet under the work folder, generated once and reused. */
  static Dataset<Row> corpusParquet(SparkSession spark, Options o, int n) {
    NearDuplicateCorpus.Spec spec = o.corpus();
    Path dir = o.workDir().resolve("corpus-v" + NearDuplicateCorpus.GENERATOR_VERSION + "-" + n + "-seed-"
        + spec.seed() + "-" + Integer.toHexString(spec.hashCode()));
    if (!Files.exists(dir.resolve("_SUCCESS"))) {
      String textDir = o.textDir().toAbsolutePath().toString();
      int partitions = Math.max(o.partitions(), n / 50_000 + 1);
      FlatMapFunction<Integer, Row> generate = part -> {
        NearDuplicateCorpus corpus = NearDuplicateCorpus.cached(Path.of(textDir), spec);
        long from = (long) n * part / partitions;
        long to = (long) n * (part + 1) / partitions;
        return LongStream.range(from, to).mapToObj(i -> DocumentSchema.documentRow(corpus.document(i))).iterator();
      };
      JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
          .parallelize(IntStream.range(0, partitions).boxed().toList(), partitions).flatMap(generate);
      spark.createDataFrame(rows, DocumentSchema.DOCUMENTS)
          .write().mode(SaveMode.Overwrite).parquet(dir.toString());
    }
    return spark.read().parquet(dir.toString());
  }

  private static Column noQuality() {
    return functions.lit(null).cast("double").as(Representatives.QUALITY);
  }

  /** Runs a Spark action, cancelling its jobs after {@code timeoutSeconds}; null when cancelled. */
  static <T> T withTimeout(SparkSession spark, double timeoutSeconds, Supplier<T> action) {
    String group = "bench-" + System.nanoTime();
    ExecutorService executor = Executors.newSingleThreadExecutor();
    Future<T> future = executor.submit(() -> {
      spark.sparkContext().setJobGroup(group, "timed benchmark run", true);
      try {
        return action.get();
      } finally {
        spark.sparkContext().clearJobGroup();
      }
    });
    try {
      return future.get((long) (timeoutSeconds * 1000), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      spark.sparkContext().cancelJobGroup(group);
      try {
        future.get();
      } catch (ExecutionException | InterruptedException cancelled) {
        // Expected: the action fails once its jobs are cancelled.
      }
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("benchmark run failed", e.getCause());
    } finally {
      executor.shutdownNow();
    }
  }

  private static double seconds(long from) {
    return round((System.nanoTime() - from) / 1e9);
  }

  private static double round(double x) {
    return Double.isNaN(x) ? x : Math.round(x * 100) / 100.0;
  }

  /** Writes {@code json} to {@code file}, creating folders. */
  public static void writeJson(Path file, String json) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Files.writeString(file, json);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
