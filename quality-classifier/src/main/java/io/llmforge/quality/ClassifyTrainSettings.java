package io.llmforge.quality;

import io.llmforge.pipeline.config.ConfigReader;
import java.util.ArrayList;
import java.util.List;

/**
 * The classify-train job's settings ({@code conf/classify-train.conf}), validated before any work starts.
 *
 * @param positives          reference-quality sources (label 1)
 * @param negatives          random web sources (label 0)
 * @param output             the model folder
 * @param heldOutFraction    share of split keys held out for the reported metrics
 * @param validationFraction share used to choose among the variants with {@code selection = VALIDATION}
 * @param selection          how several variants are compared
 * @param selectionFolds     cross-validation folds for {@code selection = CROSS_VALIDATION}
 * @param variants           model variants to fit and compare; the best selection ROC-AUC is kept
 * @param reportThreshold    score at which precision/recall are reported
 */
public record ClassifyTrainSettings(List<TextSource> positives, List<TextSource> negatives, String output,
                                    boolean overwrite, double heldOutFraction, double validationFraction,
                                    VariantSelection selection, int selectionFolds, String splitSalt, Balance balance, List<ModelVariant> variants,
                                    double reportThreshold, FeatureSettings features, ClassifierSettings classifier) {
  public static final String SECTION = "classify-train";

  public ClassifyTrainSettings {
    positives = List.copyOf(positives);
    negatives = List.copyOf(negatives);
    variants = List.copyOf(variants);
  }

  /** @param root the whole loaded configuration (this job reads the {@code classify-train} section) */
  public static ClassifyTrainSettings from(ConfigReader root) {
    ConfigReader c = root.at(SECTION);
    List<TextSource> positives = TextSource.listFrom(root, SECTION + ".positives", SECTION + ".source-defaults");
    List<TextSource> negatives = TextSource.listFrom(root, SECTION + ".negatives", SECTION + ".source-defaults");
    if (positives.isEmpty()) {
      throw c.error("positives", "is required: list at least one reference-quality source");
    }
    if (negatives.isEmpty()) {
      throw c.error("negatives", "is required: list at least one web source");
    }
    double heldOut = c.doubleIn("held-out-fraction", 0.01, 0.9);
    double validation = c.doubleIn("validation-fraction", 0.0, 0.9);
    if (heldOut + validation > 0.95) {
      throw c.error("validation-fraction", "plus held-out-fraction is " + (heldOut + validation)
          + ": leaves less than 5% of the data to train on");
    }
    List<ModelVariant> variants = new ArrayList<>();
    for (String name : c.strings("variants")) {
      try {
        variants.add(ModelVariant.parse(name));
      } catch (IllegalArgumentException e) {
        List<String> known = new ArrayList<>();
        for (ModelVariant v : ModelVariant.values()) {
          known.add(v.configName());
        }
        throw c.error("variants", "has unknown variant '" + name + "', must be among " + known);
      }
    }
    if (variants.isEmpty()) {
      throw c.error("variants", "must list at least one model variant");
    }
    VariantSelection selection = c.enumValue("variant-selection", VariantSelection.class);
    int folds = c.intIn("selection-folds", 2, 20);
    if (variants.size() > 1 && selection == VariantSelection.VALIDATION && validation == 0) {
      throw c.error("validation-fraction", "is 0 but " + variants.size() + " variants are to be compared on it "
          + "(variant-selection = validation): set it > 0, use variant-selection = cross-validation or list a "
          + "single variant");
    }
    return new ClassifyTrainSettings(positives, negatives, c.requiredString("output"), c.bool("overwrite"),
        heldOut, validation, selection, folds, c.string("split-salt"), c.enumValue("balance", Balance.class), variants,
        c.doubleIn("report-threshold", 0, 1), FeatureSettings.from(c.at("features")),
        ClassifierSettings.from(c.at("logistic-regression"), c.at("naive-bayes")));
  }
}
