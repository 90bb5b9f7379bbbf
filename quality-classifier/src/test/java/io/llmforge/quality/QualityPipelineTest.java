package io.llmforge.quality;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QualityPipelineTest {
  /** Small but real: a 2^14 hashed space and few iterations keep the test fast. */
  static final FeatureSettings FEATURES = new FeatureSettings(3000, 2, 4, 1 << 14, true, 1, false);
  static final ClassifierSettings CLASSIFIER = new ClassifierSettings(1e-3, 0, 30, false, 1.0);

  static Dataset<Row> labelled;
  static QualityTrainer.Result result;

  @BeforeAll
  static void train() {
    SparkSession spark = TestSpark.session();
    labelled = QualityBenchmark.labelled(spark,
            TextSource.parseList("[{format = synthetic-articles, count = 120, seed = 3}]"),
            TextSource.parseList("[{format = synthetic-web, count = 120, seed = 4, min-chars = 0}]"))
        .withColumn(QualityTrainer.SPLIT, DataSplit.assign(col(TrainingSources.SPLIT_KEY), 0.3, 0.2, "test"))
        .cache();
    result = QualityTrainer.fit(labelled, new QualityTrainer.Options(
        List.of(ModelVariant.WORDS_CHARS_LR, ModelVariant.WORDS_NB), Balance.WEIGHT, FEATURES, CLASSIFIER, 0.5,
        VariantSelection.VALIDATION, 0));
  }

  @Test
  void separatesWellWrittenArticlesFromWebJunk() {
    assertTrue(result.test().rocAuc() >= 0.99, "held-out ROC-AUC " + result.test().rocAuc());
    assertTrue(result.test().f1() >= 0.9, "F1 at 0.5: " + result.test().f1());
    for (QualityTrainer.VariantResult v : result.variants()) {
      assertTrue(v.test().rocAuc() >= 0.95, v.variant() + " ROC-AUC " + v.test().rocAuc());
    }
    long examples = result.counts().values().stream().flatMap(m -> m.values().stream())
        .mapToLong(Long::longValue).sum();
    assertEquals(240, examples);
    long calibrated = result.test().calibration().stream().mapToLong(BinaryMetrics.CalibrationBin::count).sum();
    assertEquals(result.test().positives() + result.test().negatives(), calibrated, "every test example in a bin");
  }

  @Test
  void theChosenVariantHasTheBestValidationAuc() {
    double best = result.variants().stream().mapToDouble(QualityTrainer.VariantResult::selectionRocAuc).max()
        .orElseThrow();
    QualityTrainer.VariantResult chosen = result.variants().stream().filter(v -> v.variant() == result.chosen())
        .findFirst().orElseThrow();
    assertEquals(best, chosen.selectionRocAuc());
  }

  @Test
  void crossValidationChoosesOnEveryTrainingExampleAndTrainsOnThemAll() {
    // Naive Bayes variants: one pass each, so the 2 x (2 + 1) fits stay cheap.
    QualityTrainer.Result cv = QualityTrainer.fit(labelled, new QualityTrainer.Options(
        List.of(ModelVariant.WORDS_NB, ModelVariant.WORDS_CHARS_NB), Balance.WEIGHT, FEATURES, CLASSIFIER, 0.5,
        VariantSelection.CROSS_VALIDATION, 2));
    assertEquals(0L, cv.counts().get(DataSplit.VALIDATION).values().stream().mapToLong(Long::longValue).sum(),
        "validation rows join the training split");
    assertEquals(result.counts().get(DataSplit.TRAIN).get("positives")
        + result.counts().get(DataSplit.VALIDATION).get("positives"), cv.counts().get(DataSplit.TRAIN).get("positives"));
    assertEquals(result.counts().get(DataSplit.TEST), cv.counts().get(DataSplit.TEST), "the test split is untouched");
    double best = Math.max(cv.variants().get(0).selectionRocAuc(), cv.variants().get(1).selectionRocAuc());
    assertTrue(best > 0.9, "pooled out-of-fold ROC-AUC " + best);
    assertEquals(best, cv.variants().stream().filter(v -> v.variant() == cv.chosen()).findFirst().orElseThrow()
        .selectionRocAuc());
    assertTrue(cv.selection().contains("2-fold cross-validation"), cv.selection());
  }

  @Test
  void savedAndLoadedModelGivesIdenticalScores(@TempDir Path dir) {
    String path = dir.resolve("model").toString();
    result.model().save(path);
    assertTrue(Files.isDirectory(dir.resolve("model/stages")));
    QualityModel loaded = new QualityModel(PipelineModel.load(path));
    Dataset<Row> texts = labelled.select("split_key", "text");
    List<Row> before = result.model().score(texts).orderBy("split_key").select("split_key", "quality_score")
        .collectAsList();
    List<Row> after = loaded.score(texts).orderBy("split_key").select("split_key", "quality_score").collectAsList();
    assertEquals(before, after);
  }

  @Test
  void scoringKeepsEveryInputColumnAndAddsTheScoreLast() {
    Dataset<Row> scored = result.model().score(labelled);
    List<String> expected = new java.util.ArrayList<>(List.of(labelled.columns()));
    expected.add(QualityModel.QUALITY_SCORE);
    assertEquals(expected, List.of(scored.columns()));
    Row range = scored.agg(org.apache.spark.sql.functions.min("quality_score"),
        org.apache.spark.sql.functions.max("quality_score")).first();
    assertTrue(range.getDouble(0) >= 0 && range.getDouble(1) <= 1);
  }
}
