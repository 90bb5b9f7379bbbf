package io.llmforge.quality;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The quality classifier on real text: Wikipedia (cut into chunks) and English Europarl speeches against C4 and
 * Dolma Common Crawl documents, 20% held out by article/document hash (Wikipedia alone is 30 articles: too few
 * for one held-out split). {@code llmforge bench classify} runs the full comparison with the default feature
 * space and iterations; this keeps one fast variant honest.
 */
class ReferenceVsWebTest {

  @Test
  void heldOutRocAucIsAtLeast095() {
    Path data = SharedData.require("text/wiki_demo.txt");
    QualityTrainer.Options defaults = QualityBenchmark.defaultOptions(List.of(ModelVariant.WORDS_CHARS_LR));
    ClassifierSettings c = defaults.classifier();
    QualityTrainer.Options fast = new QualityTrainer.Options(defaults.variants(), defaults.balance(),
        new FeatureSettings(3000, 2, 4, 1 << 16, true, 2, false),
        new ClassifierSettings(c.regParam(), c.elasticNet(), 30, c.standardization(), c.smoothing()), 0.5,
        defaults.selection(), defaults.folds());
    Dataset<Row> labelled = QualityBenchmark.labelled(TestSpark.session(),
            QualityBenchmark.referencePositives(data, true), QualityBenchmark.webNegatives(data))
        .withColumn(QualityTrainer.SPLIT, DataSplit.assign(col(TrainingSources.SPLIT_KEY), 0.2, 0.0, "llmforge"));
    QualityTrainer.Result result = QualityTrainer.fit(labelled, fast);
    BinaryMetrics test = result.test();
    assertTrue(test.positives() >= 50 && test.negatives() >= 30, "held-out set too small: " + result.counts());
    assertTrue(test.rocAuc() >= 0.95, "held-out ROC-AUC " + test.rocAuc() + " on " + result.counts());
  }
}
