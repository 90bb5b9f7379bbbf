package io.llmforge.jobs;

import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.SparkSessions;
import io.llmforge.quality.BinaryMetrics;
import io.llmforge.quality.ModelVariant;
import io.llmforge.quality.QualityBenchmark;
import io.llmforge.quality.QualityTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Quality-classifier accuracy on real data (reference vs web and ham vs spam: held-out ROC-AUC for every model
 * variant; Wikipedia vs web and clean vs toxic: 5-fold cross-validation, their data being small) and scoring speed
 * in documents per second. One evaluation failing does not lose the others: it is reported and the exit code is 1.
 */
@Command(name = "classify", mixinStandardHelpOptions = true,
    description = "Quality classifier: held-out ROC-AUC on reference-vs-web, SpamAssassin and Jigsaw; scoring docs/s.")
final class ClassifyBenchCommand implements Callable<Integer> {
  private static final List<String> KNOWN = List.of("reference", "wiki-cv", "spam", "toxic");
  private static final int FOLDS = 5;

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "../shared/data",
      description = "The shared data folder (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--out", paramLabel = "FILE", defaultValue = "work/bench/classify.json",
      description = "Where to write the JSON result (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--variants", paramLabel = "LIST", split = ",",
      description = "Model variants to compare, e.g. words-chars-lr,words-lr (default: classify-train.conf's).")
  List<String> variants = new ArrayList<>();

  @Option(names = "--evaluations", paramLabel = "LIST", split = ",", defaultValue = "reference,wiki-cv,spam,toxic",
      description = "Which evaluations to run: reference (Wikipedia + Europarl vs C4 + Dolma CC) and spam "
          + "(SpamAssassin), held out, every variant; wiki-cv (Wikipedia only vs web) and toxic (Jigsaw), "
          + FOLDS + "-fold cross-validation of the first variant (default: ${DEFAULT-VALUE}).")
  List<String> evaluations;

  @Option(names = "--no-europarl", description = "Reference positives from Wikipedia only (faster).")
  boolean noEuroparl;

  @Option(names = "--throughput-docs", paramLabel = "N", defaultValue = "20000",
      description = "Documents scored for the speed measurement (default: ${DEFAULT-VALUE}).")
  long throughputDocs;

  @Override
  public Integer call() throws IOException {
    if (!Files.isDirectory(data.resolve("text")) || !Files.isDirectory(data.resolve("quality"))) {
      System.err.println("bench classify: " + data + " has no text/ and quality/ (it is ../shared/data; pass --data)");
      return 2;
    }
    for (String evaluation : evaluations) {
      if (!KNOWN.contains(evaluation.trim())) {
        System.err.println("bench classify: unknown evaluation '" + evaluation + "', must be among " + KNOWN);
        return 2;
      }
    }
    QualityTrainer.Options options = QualityBenchmark.defaultOptions(variants.stream().map(ModelVariant::parse)
        .toList());
    SparkSession spark = SparkSessions.getOrCreate("llmforge-bench-classify", "local[*]", 8);
    List<QualityBenchmark.Evaluation> results = new ArrayList<>();
    // Scoring speed of every reference-vs-web variant, measured on the same documents.
    Map<ModelVariant, QualityBenchmark.Throughput> speeds = new LinkedHashMap<>();
    List<Map<String, Object>> crossValidations = new ArrayList<>();
    Map<String, Object> failures = new LinkedHashMap<>();
    for (String evaluation : evaluations) {
      long start = System.nanoTime();
      try {
        switch (evaluation.trim()) {
          case "reference" -> {
            QualityBenchmark.Evaluation e = QualityBenchmark.referenceVsWeb(spark, data, !noEuroparl, options);
            results.add(e);
            Dataset<Row> docs = QualityBenchmark.labelled(spark, QualityBenchmark.referencePositives(data, false),
                QualityBenchmark.webNegatives(data));
            for (QualityTrainer.VariantResult v : e.result().variants()) {
              speeds.put(v.variant(), QualityBenchmark.scoringThroughput(spark, v.model(), docs, throughputDocs));
            }
          }
          case "wiki-cv" -> crossValidations.add(crossValidate("wikipedia-vs-web", "positives: Wikipedia chunks "
              + "only; negatives: C4 + Dolma CC", QualityBenchmark.labelled(spark,
              QualityBenchmark.referencePositives(data, false), QualityBenchmark.webNegatives(data)), options));
          case "spam" -> results.add(QualityBenchmark.hamVsSpam(spark, data, options));
          case "toxic" -> crossValidations.add(crossValidate("clean-vs-toxic", "Jigsaw sample, train.csv and the "
              + "labelled rows of test.csv; positives: toxic = 0, negatives: toxic = 1",
              QualityBenchmark.jigsawAll(spark, data), options));
          default -> throw new IllegalStateException("unchecked evaluation " + evaluation);
        }
        System.out.printf("bench classify: %s done in %.0f s%n", evaluation, (System.nanoTime() - start) / 1e9);
      } catch (RuntimeException e) {
        System.err.println("bench classify: " + evaluation + " failed: " + e);
        failures.put(evaluation, String.valueOf(e));
      }
    }
    print(results, speeds, crossValidations);
    JobStats json = new JobStats().put("benchmark", "quality-classifier").put("data", data.toAbsolutePath().toString());
    List<Map<String, Object>> list = new ArrayList<>();
    results.forEach(r -> list.add(r.asMap()));
    json.put("evaluations", list);
    json.put("cross_validations", crossValidations);
    Map<String, Object> throughput = new LinkedHashMap<>();
    speeds.forEach((variant, speed) -> throughput.put(variant.configName(), speed.asMap()));
    json.put("scoring_throughput", throughput);
    json.put("failures", failures);
    Path target = out.toAbsolutePath();
    Files.createDirectories(target.getParent());
    Files.writeString(target, json.toJson());
    System.out.println("wrote " + out);
    return failures.isEmpty() ? 0 : 1;
  }

  /** Pooled out-of-fold metrics of the first variant. */
  private static Map<String, Object> crossValidate(String name, String description, Dataset<Row> labelled,
                                                   QualityTrainer.Options options) {
    long start = System.nanoTime();
    BinaryMetrics m = QualityBenchmark.crossValidated(labelled, FOLDS, options);
    Map<String, Object> cv = new LinkedHashMap<>();
    cv.put("name", name);
    cv.put("description", description + "; " + FOLDS + "-fold cross-validation by document/article, stratified by "
        + "class, out-of-fold scores pooled");
    cv.put("variant", options.variants().get(0).configName());
    cv.put("seconds", (System.nanoTime() - start) / 1e9);
    cv.putAll(m.asMap());
    return cv;
  }

  private static void print(List<QualityBenchmark.Evaluation> results,
                            Map<ModelVariant, QualityBenchmark.Throughput> speeds,
                            List<Map<String, Object>> crossValidations) {
    System.out.printf("%n%-18s %-16s %8s %8s %8s %8s %9s %8s %9s %7s%n", "evaluation", "variant", "sel AUC",
        "ROC-AUC", "PR-AUC", "F1@0.5", "test +/-", "fit s", "docs/s", "chosen");
    for (QualityBenchmark.Evaluation e : results) {
      for (QualityTrainer.VariantResult v : e.result().variants()) {
        QualityBenchmark.Throughput speed = e.name().equals("reference-vs-web") ? speeds.get(v.variant()) : null;
        System.out.printf("%-18s %-16s %8s %8.4f %8.4f %8.3f %9s %8.1f %9s %7s%n", e.name(), v.variant().configName(),
            Double.isNaN(v.selectionRocAuc()) ? "-" : String.format("%.4f", v.selectionRocAuc()),
            v.test().rocAuc(), v.test().prAuc(), v.test().f1(), v.test().positives() + "/" + v.test().negatives(),
            v.fitSeconds(), speed == null ? "" : String.format("%.0f", speed.docsPerSecond()),
            v.variant() == e.result().chosen() ? "*" : "");
      }
    }
    for (Map<String, Object> cv : crossValidations) {
      System.out.printf("%-18s %-16s %8s %8.4f %8.4f %8.3f %9s %8s %9s %7s%n", cv.get("name"), cv.get("variant"),
          FOLDS + "-fold", cv.get("roc_auc"), cv.get("pr_auc"), cv.get("f1"), cv.get("positives") + "/"
          + cv.get("negatives"), "", "", "");
    }
    speeds.values().stream().findFirst().ifPresent(s -> System.out.printf("%nscoring: %d docs (%.1f MB of text) per "
        + "variant on %d Spark cores, wall clock of the whole job%n", s.documents(), s.chars() / 1e6, s.cores()));
  }
}
