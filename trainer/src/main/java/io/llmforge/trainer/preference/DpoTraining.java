package io.llmforge.trainer.preference;

import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.distributed.GradientAveraging;
import io.llmforge.trainer.distributed.WorkerGroup;
import io.llmforge.trainer.preference.PreferencePairs.Pair;
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
 * The {@code dpo} job: {@link OfflineTraining} on preference pairs with {@link DpoLoss}. Metrics with TRL's names
 * ({@code rewards/chosen}, {@code rewards/rejected}, {@code rewards/margins}, {@code rewards/accuracies},
 * {@code logps/chosen}, {@code logps/rejected}, {@code kl/chosen}: the per-token log-ratio to the reference on the
 * chosen answers). Held-out: the implicit reward's pairwise accuracy (0.5 at the start by construction) and mean
 * margin. Fails before training when a pair's two rows are the same ids or when an answer has no token.
 */
public final class DpoTraining extends OfflineTraining<Pair> {
  private static final int CORRECT = 0;
  private static final int REWARD_CHOSEN = 1;
  private static final int REWARD_REJECTED = 2;
  private static final int LOGP_CHOSEN = 3;
  private static final int LOGP_REJECTED = 4;
  private static final int RATIO_CHOSEN = 5;
  private static final int LOSS = 6;

  private final DpoSettings s;

  private DpoTraining(DpoSettings s) {
    super(s.run());
    this.s = s;
  }

  /** The whole job: checks, the reference pass, training (here or on {@code workers} executors), stats. */
  public static JobStats run(SparkSession spark, DpoSettings s, PrintStream console) {
    return new DpoTraining(s).run(spark, console);
  }

  /** Pair i owns rows 2i (chosen) and 2i + 1 (rejected). */
  static final RowLayout<Pair> ROWS = new RowLayout<>() {
    @Override
    public String name() {
      return "dpo:chosen,rejected";
    }

    @Override
    public String id(Pair p) {
      return p.id();
    }

    @Override
    public int passes() {
      return 1;
    }

    @Override
    public Rows rows(List<Pair> batch, int pass) {
      List<int[]> rows = new ArrayList<>(2 * batch.size());
      int[] prompts = new int[2 * batch.size()];
      for (int i = 0; i < batch.size(); i++) {
        Pair p = batch.get(i);
        rows.add(p.chosen());
        rows.add(p.rejected());
        prompts[2 * i] = p.promptTokens();
        prompts[2 * i + 1] = p.promptTokens();
      }
      return new Rows(rows, prompts);
    }
  };

  @Override
  String job() {
    return "dpo";
  }

  @Override
  String unit() {
    return "pairs";
  }

  @Override
  RowLayout<Pair> layout() {
    return ROWS;
  }

  @Override
  int[] promptIds(Pair e) {
    return Arrays.copyOf(e.chosen(), e.promptTokens());
  }

  @Override
  List<Pair> load(Configuration conf, PreferenceManifest manifest, String split, int maxIds) {
    return PreferencePairs.load(conf, run.data(), manifest, split);
  }

  /** A pair whose rows are the same ids, or an answer without a token, cannot be learned from: fail now. */
  @Override
  void check(List<Pair> pairs) {
    int identical = 0;
    int empty = 0;
    for (Pair p : pairs) {
      identical += Arrays.equals(p.chosen(), p.rejected()) ? 1 : 0;
      empty += p.chosen().length <= p.promptTokens() || p.rejected().length <= p.promptTokens() ? 1 : 0;
    }
    if (identical > 0) {
      throw new IllegalStateException("dpo: " + identical + " pairs of " + run.data() + " have identical answers "
          + "after rendering; their loss has no gradient");
    }
    if (empty > 0) {
      throw new IllegalStateException("dpo: " + empty + " pairs of " + run.data() + " have an empty answer mask");
    }
  }

  @Override
  int length(Pair p) {
    return p.length();
  }

  @Override
  long tokens(Pair p) {
    return p.chosen().length + p.rejected().length;
  }

  @Override
  String describe() {
    return "beta " + run.beta() + ", " + s.lossType().name().toLowerCase(Locale.ROOT) + " loss"
        + (s.labelSmoothing() > 0 ? ", label smoothing " + s.labelSmoothing() : "")
        + (s.sftWeight() > 0 ? ", SFT weight " + s.sftWeight() : "");
  }

  @Override
  void describe(JobStats stats) {
    stats.put("loss_type", s.lossType().name().toLowerCase(Locale.ROOT)).put("label_smoothing", s.labelSmoothing())
        .put("sft_weight", s.sftWeight());
  }

  @Override
  int statistics() {
    return 7;
  }

  /**
   * One batch through the policy: answer log-probs of chosen and rejected, the stored reference's, the DPO loss on
   * them, and each chosen answer's token count. The forward pass stays in the engine for a backward.
   */
  record Scored(double[] policyChosen, double[] policyRejected, double[] refChosen, double[] refRejected,
      int[] chosenTokens, DpoLoss.Result loss) {

    /** Adds the batch's statistics (see the indices above) to {@code sums}. */
    void addTo(double[] sums) {
      for (int i = 0; i < policyChosen.length; i++) {
        sums[LOGP_CHOSEN] += policyChosen[i];
        sums[LOGP_REJECTED] += policyRejected[i];
        sums[RATIO_CHOSEN] += (policyChosen[i] - refChosen[i]) / chosenTokens[i];
      }
      sums[CORRECT] += loss.correct();
      sums[REWARD_CHOSEN] += loss.chosenRewards();
      sums[REWARD_REJECTED] += loss.rejectedRewards();
      sums[LOSS] += loss.loss();
    }
  }

  Scored score(AnswerLogProbs logps, List<Pair> batch, ReferenceLogProbs reference) {
    int n = batch.size();
    double[][] lp = ROWS.score(logps, batch);
    int[] answerTokens = logps.answerTokens();
    double[] pc = new double[n];
    double[] pr = new double[n];
    double[] rc = new double[n];
    double[] rr = new double[n];
    int[] chosenTokens = new int[n];
    for (int i = 0; i < n; i++) {
      pc[i] = lp[i][0];
      pr[i] = lp[i][1];
      double[] ref = reference.of(batch.get(i).id());
      rc[i] = ref[0];
      rr[i] = ref[1];
      chosenTokens[i] = answerTokens[2 * i];
    }
    return new Scored(pc, pr, rc, rr, chosenTokens, DpoLoss.of(pc, pr, rc, rr, run.beta(), s.labelSmoothing(),
        s.lossType()));
  }

  /** DPO plus, with sft-weight, the chosen answers' mean next-token loss. */
  @Override
  double forwardBackward(AnswerLogProbs logps, List<Pair> batch, ReferenceLogProbs reference, double scale,
      double[] sums, WorkerGroup group) {
    Scored sc = score(logps, batch, reference);
    DpoLoss.Result r = sc.loss();
    int n = batch.size();
    double loss = r.loss();
    double[] perRow = new double[2 * n];
    double[] perToken = new double[2 * n];
    for (int i = 0; i < n; i++) {
      perRow[2 * i] = r.dChosen()[i] * scale;
      perRow[2 * i + 1] = r.dRejected()[i] * scale;
      if (s.sftWeight() > 0) { // + w x (-logpi(chosen) / tokens)
        loss += -s.sftWeight() * sc.policyChosen()[i] / sc.chosenTokens()[i];
        perToken[2 * i] = -s.sftWeight() / sc.chosenTokens()[i] * scale;
      }
    }
    logps.backward(perRow, perToken);
    sc.addTo(sums);
    return loss;
  }

  @Override
  Map<String, Object> metrics(double[] sums, double pairs) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rewards/chosen", sums[REWARD_CHOSEN] / pairs);
    m.put("rewards/rejected", sums[REWARD_REJECTED] / pairs);
    m.put("rewards/margins", (sums[REWARD_CHOSEN] - sums[REWARD_REJECTED]) / pairs);
    m.put("rewards/accuracies", sums[CORRECT] / pairs);
    m.put("logps/chosen", sums[LOGP_CHOSEN] / pairs);
    m.put("logps/rejected", sums[LOGP_REJECTED] / pairs);
    m.put("kl/chosen", sums[RATIO_CHOSEN] / pairs);
    return m;
  }

  /**
   * Held-out figures of the implicit reward: DPO loss, pairwise accuracy (ties half), mean margin {@code beta h},
   * mean answer log-probs and per-token log-ratio on the chosen answers.
   */
  @Override
  Evaluation evaluate(AnswerLogProbs logps, List<Pair> val, ReferenceLogProbs reference, WorkerGroup group) {
    double[] sums = new double[statistics()];
    for (List<Pair> batch : share(val, run.batchSize(), group)) {
      score(logps, batch, reference).addTo(sums);
    }
    double[] all = GradientAveraging.sum(sums, group);
    double n = val.size();
    Map<String, Double> f = new LinkedHashMap<>();
    f.put("accuracy", all[CORRECT] / n);
    f.put("margin", (all[REWARD_CHOSEN] - all[REWARD_REJECTED]) / n);
    f.put("logps_chosen", all[LOGP_CHOSEN] / n);
    f.put("logps_rejected", all[LOGP_REJECTED] / n);
    f.put("kl_chosen", all[RATIO_CHOSEN] / n);
    if (val.isEmpty()) {
      f.replaceAll((k, v) -> Double.NaN);
    }
    return new Evaluation(val.isEmpty() ? Double.NaN : all[LOSS] / n, f);
  }
}
