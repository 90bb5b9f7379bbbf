package io.llmforge.trainer.reward;

import io.llmforge.pipeline.shards.StableHash;
import io.llmforge.trainer.preference.PreferencePairs.Pair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * What a reward model must beat, on the same held-out pairs:
 * <ul>
 *   <li><b>longer answer wins</b>: the answer with more characters is preferred (ties count half): length is the
 *   best-known shortcut of human and AI preference data;</li>
 *   <li><b>hashed n-grams + logistic regression</b> (Spark MLlib): each answer as counts of its word 1- and 2-grams
 *   hashed into {@code features} buckets ({@link HashingTF}'s hash), a pair as the difference chosen - rejected with
 *   label 1 and its mirror with label 0, no intercept (so the model is a reward {@code w . phi(answer)}); with more
 *   than one regularisation strength given, the best on a fifth of the training pairs is refit on all of them.</li>
 * </ul>
 */
public final class Baselines {
  private Baselines() {}

  public static double longerAnswerWins(List<Pair> pairs) {
    double right = 0;
    for (Pair p : pairs) {
      int c = p.chosenText().length();
      int r = p.rejectedText().length();
      right += c > r ? 1 : c == r ? 0.5 : 0;
    }
    return pairs.isEmpty() ? Double.NaN : right / pairs.size();
  }

  /**
   * The fitted n-gram model: a reward {@code w . phi(answer)} and the regularisation chosen ({@code weights} null
   * when there was nothing to fit on). Fitted once per training set, then scored on any number of held-out sets
   * ({@link #accuracy(List)}).
   */
  public record Ngram(HashingTF tf, Vector weights, double regParam, int trainPairs) {
    /** No model: every accuracy is NaN (no training pairs, or no held-out pairs to score it on). */
    public static Ngram unfitted(int features, int trainPairs) {
      return new Ngram(new HashingTF().setNumFeatures(features), null, Double.NaN, trainPairs);
    }

    /** Share of {@code pairs} whose chosen answer the model scores higher (ties count half); NaN when unfitted. */
    public double accuracy(List<Pair> pairs) {
      if (weights == null || pairs.isEmpty()) {
        return Double.NaN;
      }
      double right = 0;
      for (Pair p : pairs) {
        double s = dot(weights, difference(tf, p));
        right += s > 0 ? 1 : s == 0 ? 0.5 : 0;
      }
      return right / pairs.size();
    }

    public int features() {
      return tf.getNumFeatures();
    }
  }

  public static Ngram ngramLogisticRegression(SparkSession spark, List<Pair> train, int features,
      List<Double> regParams, long seed) {
    if (train.isEmpty()) {
      return Ngram.unfitted(features, 0);
    }
    HashingTF tf = new HashingTF().setNumFeatures(features);
    List<Pair> fit = new ArrayList<>();
    List<Pair> tune = new ArrayList<>();
    for (Pair p : train) {
      (StableHash.unit(seed, "ngram-tune", p.id()) < 0.2 ? tune : fit).add(p);
    }
    double bestReg = regParams.get(0);
    double best = -1;
    if (regParams.size() > 1 && !fit.isEmpty() && !tune.isEmpty()) {
      for (double reg : regParams) {
        double acc = new Ngram(tf, fitModel(spark, tf, fit, reg).coefficients(), reg, fit.size()).accuracy(tune);
        if (acc > best) {
          best = acc;
          bestReg = reg;
        }
      }
    }
    return new Ngram(tf, fitModel(spark, tf, train, bestReg).coefficients(), bestReg, train.size());
  }

  private static LogisticRegressionModel fitModel(SparkSession spark, HashingTF tf, List<Pair> pairs, double reg) {
    StructType schema = new StructType().add("label", DataTypes.DoubleType, false)
        .add("features", SQLDataTypes.VectorType(), false);
    List<Row> rows = new ArrayList<>(2 * pairs.size());
    for (Pair p : pairs) {
      Vector d = difference(tf, p);
      rows.add(RowFactory.create(1.0, d));
      rows.add(RowFactory.create(0.0, negate(d)));
    }
    Dataset<Row> data = spark.createDataFrame(rows, schema);
    return new LogisticRegression().setFitIntercept(false).setStandardization(false).setRegParam(reg)
        .setMaxIter(100).fit(data);
  }

  /** phi(chosen) - phi(rejected) as a sparse vector. */
  static Vector difference(HashingTF tf, Pair p) {
    TreeMap<Integer, Double> d = new TreeMap<>();
    counts(tf, p.chosenText()).forEach((k, v) -> d.merge(k, v, Double::sum));
    counts(tf, p.rejectedText()).forEach((k, v) -> d.merge(k, -v, Double::sum));
    d.values().removeIf(v -> v == 0);
    int[] idx = d.keySet().stream().mapToInt(Integer::intValue).toArray();
    double[] val = d.values().stream().mapToDouble(Double::doubleValue).toArray();
    return Vectors.sparse(tf.getNumFeatures(), idx, val);
  }

  /** Hashed counts of the text's lower-cased word 1- and 2-grams. */
  static Map<Integer, Double> counts(HashingTF tf, String text) {
    String[] words = text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+");
    Map<Integer, Double> c = new LinkedHashMap<>();
    String previous = null;
    for (String w : words) {
      if (w.isEmpty()) {
        continue;
      }
      c.merge(tf.indexOf(w), 1.0, Double::sum);
      if (previous != null) {
        c.merge(tf.indexOf(previous + " " + w), 1.0, Double::sum);
      }
      previous = w;
    }
    return c;
  }

  private static Vector negate(Vector v) {
    org.apache.spark.ml.linalg.SparseVector s = v.toSparse();
    double[] val = s.values().clone();
    for (int i = 0; i < val.length; i++) {
      val[i] = -val[i];
    }
    return Vectors.sparse(s.size(), s.indices(), val);
  }

  private static double dot(Vector w, Vector x) {
    org.apache.spark.ml.linalg.SparseVector s = x.toSparse();
    double sum = 0;
    for (int i = 0; i < s.indices().length; i++) {
      sum += w.apply(s.indices()[i]) * s.values()[i];
    }
    return sum;
  }
}
