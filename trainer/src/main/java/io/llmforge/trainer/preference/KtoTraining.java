package io.llmforge.trainer.preference;

import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.distributed.GradientAveraging;
import io.llmforge.trainer.distributed.WorkerGroup;
import io.llmforge.trainer.preference.KtoExamples.Example;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code kto} job: {@link OfflineTraining} on labelled answers (thumbs up / down) with {@link KtoLoss}. Each
 * micro-batch first scores its examples' mismatched rows (prompt i with answer j: what the policy would say
 * regardless of the prompt), whose mean log-ratio, averaged over all workers and clamped at 0, is the reference point
 * z0; then the answers, back-propagated. Metrics with TRL's names: {@code rewards/chosen} and {@code logps/chosen} over
 * the desirable answers, {@code rewards/rejected} and {@code logps/rejected} over the undesirable ones,
 * {@code rewards/margins}, {@code kl} (z0), and {@code rewards/accuracies} (answers on their label's side of z0).
 * Held-out: that accuracy (0.5 at the start: every log-ratio and z0 are 0), the ROC-AUC of the log-ratio against
 * the labels, the margin and z0.
 */
public final class KtoTraining extends OfflineTraining<Example> {
  private static final int DESIRABLE = 0;
  private static final int UNDESIRABLE = 1;
  private static final int REWARD_D = 2;
  private static final int REWARD_U = 3;
  private static final int LOGP_D = 4;
  private static final int LOGP_U = 5;
  private static final int CORRECT = 6;
  private static final int KL = 7;
  private static final int LOSS = 8;

  private final KtoSettings s;

  private KtoTraining(KtoSettings s) {
    super(s.run());
    this.s = s;
  }

  public static JobStats run(SparkSession spark, KtoSettings s, PrintStream console) {
    return new KtoTraining(s).run(spark, console);
  }

  /** Pass 0: the mismatched rows; pass 1: the answers (left in the engine for the backward). */
  static final RowLayout<Example> ROWS = new RowLayout<>() {
    @Override
    public String name() {
      return "kto:mismatched,answer";
    }

    @Override
    public String id(Example e) {
      return e.id();
    }

    @Override
    public int passes() {
      return 2;
    }

    @Override
    public Rows rows(List<Example> batch, int pass) {
      List<int[]> rows = new ArrayList<>(batch.size());
      int[] prompts = new int[batch.size()];
      for (int i = 0; i < batch.size(); i++) {
        rows.add(pass == 0 ? batch.get(i).mismatched() : batch.get(i).tokens());
        prompts[i] = batch.get(i).promptTokens();
      }
      return new Rows(rows, prompts);
    }
  };

  @Override
  String job() {
    return "kto";
  }

  @Override
  String unit() {
    return "examples";
  }

  @Override
  RowLayout<Example> layout() {
    return ROWS;
  }

  @Override
  int[] promptIds(Example e) {
    return Arrays.copyOf(e.tokens(), e.promptTokens());
  }

  @Override
  List<Example> load(Configuration conf, PreferenceManifest manifest, String split, int maxIds) {
    return KtoExamples.load(conf, run.data(), manifest, split, s.pairs(), maxIds, run.seed());
  }

  @Override
  void check(List<Example> examples) {
    long empty = examples.stream().filter(e -> e.tokens().length <= e.promptTokens()).count();
    if (empty > 0) {
      throw new IllegalStateException("kto: " + empty + " examples of " + run.data() + " have an empty answer mask");
    }
  }

  @Override
  int length(Example e) {
    return e.length();
  }

  @Override
  long tokens(Example e) {
    return e.tokens().length + e.mismatched().length;
  }

  @Override
  String describe() {
    return "beta " + run.beta() + ", desirable weight " + s.desirableWeight() + ", undesirable weight "
        + s.undesirableWeight() + (s.pairs() ? ", pairs split into two answers" : "");
  }

  @Override
  String describe(List<Example> train) {
    long d = train.stream().filter(Example::desirable).count();
    long u = train.size() - d;
    double ratio = u == 0 ? Double.POSITIVE_INFINITY : s.desirableWeight() * d / (s.undesirableWeight() * u);
    return String.format(Locale.ROOT, "%d desirable and %d undesirable training answers: weighted ratio %.2f%s", d, u,
        ratio, ratio >= 1 && ratio <= 4.0 / 3 ? "" : " (KTO's paper advises 1 to 4/3: set kto.desirable-weight / "
            + "kto.undesirable-weight)");
  }

  @Override
  void describe(JobStats stats) {
    stats.put("desirable_weight", s.desirableWeight()).put("undesirable_weight", s.undesirableWeight())
        .put("pairs", s.pairs());
  }

  @Override
  int statistics() {
    return 9;
  }

  /** Log-ratios of one batch's answers and of its mismatched rows under the policy; the answers' pass kept. */
  private record Scored(double[] policy, double[] reference, double[] mismatchedRatio, boolean[] desirable) {}

  private static Scored score(AnswerLogProbs logps, List<Example> batch, ReferenceLogProbs reference) {
    double[][] lp = ROWS.score(logps, batch);
    int n = batch.size();
    double[] policy = new double[n];
    double[] ref = new double[n];
    double[] mismatched = new double[n];
    boolean[] desirable = new boolean[n];
    for (int i = 0; i < n; i++) {
      double[] r = reference.of(batch.get(i).id());
      mismatched[i] = lp[i][0] - r[0];
      policy[i] = lp[i][1];
      ref[i] = r[1];
      desirable[i] = batch.get(i).desirable();
    }
    return new Scored(policy, ref, mismatched, desirable);
  }

  private KtoLoss.Result loss(Scored sc, double z0) {
    return KtoLoss.of(sc.policy(), sc.reference(), sc.desirable(), z0, run.beta(), s.desirableWeight(),
        s.undesirableWeight());
  }

  private static void addTo(double[] sums, Scored sc, KtoLoss.Result r, double z0) {
    sums[DESIRABLE] += r.desirable();
    sums[UNDESIRABLE] += r.undesirable();
    sums[REWARD_D] += r.desirableRewards();
    sums[REWARD_U] += r.undesirableRewards();
    for (int i = 0; i < sc.policy().length; i++) {
      sums[sc.desirable()[i] ? LOGP_D : LOGP_U] += sc.policy()[i];
    }
    sums[CORRECT] += r.correct();
    sums[KL] += z0 * sc.policy().length;
    sums[LOSS] += r.loss();
  }

  /** z0 from this micro-batch on every worker (no gradient), then the loss and its backward on the answers. */
  @Override
  double forwardBackward(AnswerLogProbs logps, List<Example> batch, ReferenceLogProbs reference, double scale,
      double[] sums, WorkerGroup group) {
    Scored sc = score(logps, batch, reference);
    double[] kl = GradientAveraging.sum(new double[] {Arrays.stream(sc.mismatchedRatio()).sum(), batch.size()},
        group);
    double z0 = KtoLoss.referencePoint(kl[0], kl[1]);
    KtoLoss.Result r = loss(sc, z0);
    double[] perRow = r.dPolicy().clone();
    for (int i = 0; i < perRow.length; i++) {
      perRow[i] *= scale;
    }
    logps.backward(perRow, null);
    addTo(sums, sc, r, z0);
    return r.loss();
  }

  @Override
  Map<String, Object> metrics(double[] sums, double examples) {
    Map<String, Object> m = new LinkedHashMap<>();
    double d = Math.max(1, sums[DESIRABLE]);
    double u = Math.max(1, sums[UNDESIRABLE]);
    m.put("rewards/chosen", sums[DESIRABLE] == 0 ? null : sums[REWARD_D] / d);
    m.put("rewards/rejected", sums[UNDESIRABLE] == 0 ? null : sums[REWARD_U] / u);
    m.put("rewards/margins", sums[DESIRABLE] == 0 || sums[UNDESIRABLE] == 0 ? null
        : sums[REWARD_D] / d - sums[REWARD_U] / u);
    m.put("rewards/accuracies", sums[CORRECT] / examples);
    m.put("logps/chosen", sums[DESIRABLE] == 0 ? null : sums[LOGP_D] / d);
    m.put("logps/rejected", sums[UNDESIRABLE] == 0 ? null : sums[LOGP_U] / u);
    m.put("kl", sums[KL] / examples);
    return m;
  }

  /**
   * Held-out figures with z0 from the whole held-out set: label accuracy of the implicit reward (ties half), ROC-AUC
   * of the log-ratio against the labels, mean reward of desirable and undesirable answers and their margin, z0, and
   * the mean answer log-probs.
   */
  @Override
  Evaluation evaluate(AnswerLogProbs logps, List<Example> val, ReferenceLogProbs reference, WorkerGroup group) {
    int n = val.size();
    double[] ratios = new double[2 * n]; // answer log-ratios, then mismatched ones; each worker fills its batches
    double[] policy = new double[n];
    int from = group.rank() * run.batchSize();
    for (List<Example> batch : share(val, run.batchSize(), group)) {
      Scored sc = score(logps, batch, reference);
      for (int i = 0; i < batch.size(); i++) {
        ratios[from + i] = sc.policy()[i] - sc.reference()[i];
        ratios[n + from + i] = sc.mismatchedRatio()[i];
        policy[from + i] = sc.policy()[i];
      }
      from += group.size() * run.batchSize();
    }
    double[] all = GradientAveraging.sum(concat(ratios, policy), group);
    double[] r = Arrays.copyOfRange(all, 0, n);
    double z0 = KtoLoss.referencePoint(Arrays.stream(all, n, 2 * n).sum(), n);
    double[] lp = Arrays.copyOfRange(all, 2 * n, 3 * n);
    boolean[] desirable = new boolean[n];
    for (int i = 0; i < n; i++) {
      desirable[i] = val.get(i).desirable();
    }
    KtoLoss.Result res = KtoLoss.of(lp, subtract(lp, r), desirable, z0, run.beta(), s.desirableWeight(),
        s.undesirableWeight());
    double[] sums = new double[statistics()];
    addTo(sums, new Scored(lp, subtract(lp, r), new double[n], desirable), res, z0);
    Map<String, Double> f = new LinkedHashMap<>();
    f.put("accuracy", n == 0 ? Double.NaN : res.correct() / n);
    f.put("auc", auc(r, desirable));
    double rd = sums[DESIRABLE] == 0 ? Double.NaN : sums[REWARD_D] / sums[DESIRABLE];
    double ru = sums[UNDESIRABLE] == 0 ? Double.NaN : sums[REWARD_U] / sums[UNDESIRABLE];
    f.put("rewards_chosen", rd);
    f.put("rewards_rejected", ru);
    f.put("margin", rd - ru);
    f.put("kl", z0);
    f.put("logps_chosen", sums[DESIRABLE] == 0 ? Double.NaN : sums[LOGP_D] / sums[DESIRABLE]);
    f.put("logps_rejected", sums[UNDESIRABLE] == 0 ? Double.NaN : sums[LOGP_U] / sums[UNDESIRABLE]);
    return new Evaluation(n == 0 ? Double.NaN : res.loss() / n, f);
  }

  /** ROC-AUC of {@code scores} for {@code positive} (ties half); NaN without both classes. */
  static double auc(double[] scores, boolean[] positive) {
    double pairs = 0;
    double wins = 0;
    for (int i = 0; i < scores.length; i++) {
      if (!positive[i]) {
        continue;
      }
      for (int j = 0; j < scores.length; j++) {
        if (!positive[j]) {
          pairs++;
          wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
        }
      }
    }
    return pairs == 0 ? Double.NaN : wins / pairs;
  }

  private static double[] concat(double[] a, double[] b) {
    double[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static double[] subtract(double[] a, double[] b) {
    double[] out = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i] - b[i];
    }
    return out;
  }
}
