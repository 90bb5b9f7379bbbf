package io.llmforge.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.JobConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad configuration fails before any work, naming the key. */
class SettingsTest {

  static ClassifySettings classify(String... overrides) {
    List<String> all = new ArrayList<>(List.of("classify.input=[in]", "classify.model=m", "classify.output=out"));
    all.addAll(List.of(overrides));
    return ClassifySettings.from(JobConfig.load("classify", List.of("classify"), List.of(), all));
  }

  static ClassifyTrainSettings train(String... overrides) {
    List<String> all = new ArrayList<>(List.of("classify-train.output=out",
        "classify-train.positives=[{format = text-paragraphs, path = wiki.txt}]",
        "classify-train.negatives=[{format = jsonl, path = web.jsonl}]"));
    all.addAll(List.of(overrides));
    return ClassifyTrainSettings.from(JobConfig.load("classify-train", List.of("classify-train"), List.of(), all));
  }

  static void failsNaming(String key, Runnable load) {
    ConfigError e = assertThrows(ConfigError.class, load::run);
    assertTrue(e.getMessage().contains(key), "message should name " + key + ": " + e.getMessage());
  }

  @Test
  void defaultsAreValid() {
    ClassifySettings c = classify();
    assertEquals(KeepMode.THRESHOLD, c.mode());
    assertEquals(4.0, c.weights().tiers().get(0).repeats());
    ClassifyTrainSettings t = train();
    assertEquals(SourceFormat.TEXT_PARAGRAPHS, t.positives().get(0).format());
    assertEquals("wiki.txt", t.positives().get(0).name());
    assertEquals("text", t.negatives().get(0).textField(), "source keys default from source-defaults");
    assertEquals(List.of(ModelVariant.WORDS_CHARS_LR, ModelVariant.WORDS_LR, ModelVariant.WORDS_CHARS_NB),
        t.variants());
  }

  @Test
  void classifyRejectsBadKeepAndWeightSettings() {
    failsNaming("classify.keep.mode", () -> classify("classify.keep.mode=median"));
    failsNaming("classify.keep.top-fraction", () -> classify("classify.keep.top-fraction=1.5"));
    failsNaming("classify.keep.top-fraction", () -> classify("classify.keep.top-fraction=0"));
    failsNaming("classify.keep.threshold", () -> classify("classify.keep.threshold=-0.1"));
    failsNaming("classify.weights.tiers.0.repeats",
        () -> classify("classify.weights.tiers=[{top = 0.1, repeats = 5}]"));
    failsNaming("classify.weights.tiers.1", () -> classify("classify.weights.tiers=[{top = 0.1, repeats = 4}, "
        + "{top = 0.2, repeat = 2}]"));
    failsNaming("classify.weights.tiers", () -> classify("classify.weights.tiers=[{top = 0.1, repeats = 2}, "
        + "{top = 0.2, repeats = 3}]"));
    failsNaming("classify.weights.base-repeats", () -> classify("classify.weights.base-repeats=4.5"));
    failsNaming("classify.output", () -> classify("classify.output=\"\""));
    failsNaming("classify.input", () -> classify("classify.input=[]"));
    failsNaming("classify.input", () -> classify("classify.input=in"));
    failsNaming("classify.keep.mod", () -> classify("classify.keep.mod=threshold"));
  }

  @Test
  void classifyTrainRejectsBadSourcesAndVariants() {
    failsNaming("classify-train.positives.0.format",
        () -> train("classify-train.positives=[{format = parquet, path = x}]"));
    failsNaming("classify-train.negatives.0", () -> train("classify-train.negatives=[{format = jsonl, paht = x}]"));
    failsNaming("classify-train.negatives.0.path", () -> train("classify-train.negatives=[{format = jsonl}]"));
    failsNaming("classify-train.positives", () -> train("classify-train.positives=[]"));
    failsNaming("classify-train.variants", () -> train("classify-train.variants=[words-svm]"));
    failsNaming("classify-train.validation-fraction", () -> train("classify-train.variant-selection=validation",
        "classify-train.validation-fraction=0"));
    assertEquals(VariantSelection.CROSS_VALIDATION, train("classify-train.validation-fraction=0").selection(),
        "cross-validation needs no validation split");
    failsNaming("classify-train.variant-selection", () -> train("classify-train.variant-selection=coin"));
    failsNaming("classify-train.selection-folds", () -> train("classify-train.selection-folds=1"));
    failsNaming("classify-train.held-out-fraction", () -> train("classify-train.held-out-fraction=0.95"));
    failsNaming("classify-train.balance", () -> train("classify-train.balance=oversample"));
    failsNaming("classify-train.positives.0.chunk-chars",
        () -> train("classify-train.positives=[{format = text-paragraphs, path = x, chunk-chars = 10}]"));
  }

  @Test
  void syntheticSourcesNeedNoPath() {
    ClassifyTrainSettings t = train("classify-train.positives=[{format = synthetic-articles, count = 10}]");
    assertEquals("synthetic-articles", t.positives().get(0).name());
    assertEquals(10, t.positives().get(0).count());
  }
}
