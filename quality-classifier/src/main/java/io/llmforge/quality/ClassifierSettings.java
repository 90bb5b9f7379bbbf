package io.llmforge.quality;

import io.llmforge.pipeline.config.ConfigReader;
import java.io.Serializable;

/**
 * Hyper-parameters of the classifiers (see {@code classify-train.logistic-regression} and {@code naive-bayes}).
 *
 * @param regParam        L2 (or elastic-net) penalty of logistic regression
 * @param elasticNet      0 = pure L2, 1 = pure L1
 * @param maxIter         L-BFGS / OWL-QN iterations
 * @param standardization scale features to unit variance before the penalty; off suits TF-IDF text features
 * @param smoothing       additive smoothing of naive Bayes
 */
public record ClassifierSettings(double regParam, double elasticNet, int maxIter, boolean standardization,
                                 double smoothing) implements Serializable {

  public static ClassifierSettings from(ConfigReader lr, ConfigReader nb) {
    return new ClassifierSettings(lr.doubleIn("reg-param", 0, 1e6), lr.doubleIn("elastic-net", 0, 1),
        lr.intIn("max-iter", 1, 100_000), lr.bool("standardization"), nb.doubleIn("smoothing", 0, 1e6));
  }
}
