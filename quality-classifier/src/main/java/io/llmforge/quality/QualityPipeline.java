package io.llmforge.quality;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.NaiveBayes;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.IDF;
import org.apache.spark.ml.feature.NGram;
import org.apache.spark.ml.feature.Normalizer;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.ml.feature.SQLTransformer;

/**
 * The MLlib pipeline of one {@link ModelVariant}, built only from MLlib's own stages so that the fitted
 * {@code PipelineModel} saves and loads with nothing of ours on the classpath:
 *
 * <pre>
 * text -> normalise (lower case, digits to 0, space after punctuation, one space; first max-chars chars)
 *      -> word tokens ("the"), word n-grams ("of the"), char n-grams ("t h e  ")
 *      -> HashingTF -> IDF -> L2 normalise -> logistic regression or naive Bayes
 * </pre>
 *
 * All terms share one hashed space instead of one vector per kind joined by a VectorAssembler: the assembler
 * writes one metadata attribute per hash bucket into the schema, tens of megabytes that Spark would ship
 * with every task. The kinds rarely coincide: a word has no space, a word n-gram has single spaces between
 * words, and a char n-gram joins single characters with spaces (two in a row where it spans a space), so only
 * a run of one-letter words can spell the same term as a char n-gram. Only MLlib's own compiled stages are
 * used: Spark SQL lambdas (transform, sequence) are interpreted and, for char n-grams, about fifty times
 * slower. Every intermediate column starts with {@code _qc_} so it cannot clash with a documents column.
 */
public final class QualityPipeline {
  public static final String INPUT = "text";
  public static final String LABEL = "label";
  public static final String WEIGHT = "weight";
  public static final String PROBABILITY = "_qc_probability";
  public static final String FEATURES = "_qc_features";
  static final String NORM = "_qc_norm";
  static final String WORDS = "_qc_w1";
  static final String CHARS = "_qc_chars";
  static final String TERMS = "_qc_terms";
  static final String RAW = "_qc_raw";
  static final String PREDICTION = "_qc_prediction";

  private QualityPipeline() {}

  /** @param weighted whether the training rows carry a {@link #WEIGHT} column (class balancing) */
  public static Pipeline build(ModelVariant variant, FeatureSettings f, ClassifierSettings c, boolean weighted) {
    List<PipelineStage> stages = new ArrayList<>();
    stages.add(new SQLTransformer().setStatement("SELECT *, " + normaliseSql(f.maxChars()) + " AS " + NORM
        + " FROM __THIS__"));
    List<String> terms = new ArrayList<>();
    if (variant.usesWords()) {
      stages.add(new RegexTokenizer().setInputCol(NORM).setOutputCol(WORDS).setPattern("[^\\p{L}\\p{N}]+")
          .setGaps(true).setToLowercase(false).setMinTokenLength(1));
      terms.add(WORDS);
      for (int n = 2; n <= f.wordNgrams(); n++) {
        stages.add(new NGram().setN(n).setInputCol(WORDS).setOutputCol("_qc_w" + n));
        terms.add("_qc_w" + n);
      }
    }
    if (variant.usesChars()) {
      // Splitting on the empty pattern yields single characters, spaces included, so word boundaries count.
      stages.add(new RegexTokenizer().setInputCol(NORM).setOutputCol(CHARS).setPattern("").setGaps(true)
          .setToLowercase(false).setMinTokenLength(1));
      stages.add(new NGram().setN(f.charNgram()).setInputCol(CHARS).setOutputCol("_qc_c" + f.charNgram()));
      terms.add("_qc_c" + f.charNgram());
    }
    stages.add(new SQLTransformer().setStatement("SELECT *, concat(" + String.join(", ", terms) + ") AS " + TERMS
        + " FROM __THIS__"));
    stages.add(new HashingTF().setInputCol(TERMS).setOutputCol("_qc_tf").setNumFeatures(f.buckets())
        .setBinary(f.binary()));
    String weightedTf = "_qc_tf";
    if (f.idf()) {
      weightedTf = "_qc_tfidf";
      stages.add(new IDF().setInputCol("_qc_tf").setOutputCol(weightedTf).setMinDocFreq(f.minDocFreq()));
    }
    stages.add(new Normalizer().setInputCol(weightedTf).setOutputCol(FEATURES).setP(2.0));
    if (variant.naiveBayes()) {
      NaiveBayes nb = new NaiveBayes().setModelType("multinomial").setSmoothing(c.smoothing())
          .setFeaturesCol(FEATURES).setLabelCol(LABEL).setProbabilityCol(PROBABILITY).setRawPredictionCol(RAW)
          .setPredictionCol(PREDICTION);
      stages.add(weighted ? nb.setWeightCol(WEIGHT) : nb);
    } else {
      LogisticRegression lr = new LogisticRegression().setRegParam(c.regParam()).setElasticNetParam(c.elasticNet())
          .setMaxIter(c.maxIter()).setStandardization(c.standardization()).setFamily("binomial")
          .setFeaturesCol(FEATURES).setLabelCol(LABEL).setProbabilityCol(PROBABILITY).setRawPredictionCol(RAW)
          .setPredictionCol(PREDICTION);
      stages.add(weighted ? lr.setWeightCol(WEIGHT) : lr);
    }
    return new Pipeline().setStages(stages.toArray(PipelineStage[]::new));
  }

  /**
   * Spark SQL for the normalised text. Digits become 0 (a year is a year), a space is put after sentence
   * punctuation so "end.Start" (common in dumps that lost their line breaks) and "end. Start" look the same,
   * and whitespace runs become one space: layout is not what the classifier should judge.
   */
  static String normaliseSql(int maxChars) {
    return "regexp_replace(regexp_replace(regexp_replace(lower(substring(" + INPUT + ", 1, " + maxChars + ")), "
        + "'[0-9]', '0'), '([.!?,;:])([^\\\\s])', '$1 $2'), '\\\\s+', ' ')";
  }
}
