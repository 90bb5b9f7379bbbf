package io.llmforge.trainer.preference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.metrics.MetricsLog;
import io.llmforge.trainer.reward.DemoPreferences;
import io.llmforge.trainer.sft.SftFixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DpoTest {
  static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

  @TempDir
  static Path shared;
  static Path base;
  static Path data;

  @BeforeAll
  static void prepare() throws Exception {
    base = SftFixtures.base(shared);
    Path in = DemoPreferences.write(shared.resolve("in/pairs.jsonl"), 300, 1, Instant.parse("2026-11-01T00:00:00Z"),
        false);
    data = shared.resolve("prefs");
    PreferencePrepareJob.run(SftFixtures.spark(), PreferencePrepareJobTest.settings(List.of(in), base, data));
  }

  static DpoSettings settings(Path out, String... more) {
    List<String> o = new ArrayList<>(List.of("dpo.data=\"" + data + "\"", "dpo.base=\"" + base + "\"",
        "dpo.output=\"" + out + "\"", "dpo.batch-size=8", "dpo.log-interval=1", "dpo.eval-interval=10",
        "dpo.checkpoint-interval=10", "dpo.optimizer.learning-rate=3e-3", "dpo.optimizer.min-learning-rate=3e-4",
        "dpo.optimizer.warmup-steps=3"));
    o.addAll(List.of(more));
    return DpoSettings.from(JobConfig.load("dpo", List.of("dpo"), List.of(), o));
  }

  /** Two pairs worked by hand: h = (pc - rc) - (pr - rr); loss = -log sigmoid(beta h), dL/dpc = -beta sigmoid(-beta h). */
  @Test
  void lossAndGradientEqualTheHandComputedValues() {
    double beta = 0.5;
    DpoLoss.Result r = DpoLoss.of(new double[] {-3, -2}, new double[] {-4, -1}, new double[] {-3.5, -2},
        new double[] {-3.5, -2}, beta, 0, DpoLoss.Type.SIGMOID);
    double h1 = (-3 + 3.5) - (-4 + 3.5);   // 1.0
    double h2 = (-2 + 2) - (-1 + 2);       // -1.0
    double expected = Math.log(1 + Math.exp(-beta * h1)) + Math.log(1 + Math.exp(-beta * h2));
    assertEquals(expected, r.loss(), 1e-12);
    assertEquals(-beta / (1 + Math.exp(beta * h1)), r.dChosen()[0], 1e-12);
    assertEquals(beta / (1 + Math.exp(beta * h2)), r.dRejected()[1], 1e-12);
    assertEquals(1.0, r.correct(), 1e-12);
    assertEquals(beta * (0.5 + 0), r.chosenRewards(), 1e-12);
    // conservative DPO and IPO
    DpoLoss.Result c = DpoLoss.of(new double[] {-3}, new double[] {-4}, new double[] {-3.5}, new double[] {-3.5},
        beta, 0.1, DpoLoss.Type.SIGMOID);
    assertEquals(0.9 * Math.log(1 + Math.exp(-0.5)) + 0.1 * Math.log(1 + Math.exp(0.5)), c.loss(), 1e-12);
    DpoLoss.Result ipo = DpoLoss.of(new double[] {-3}, new double[] {-4}, new double[] {-3.5}, new double[] {-3.5},
        beta, 0, DpoLoss.Type.IPO);
    assertEquals(Math.pow(1.0 - 1 / (2 * beta), 2), ipo.loss(), 1e-12);
    assertEquals(2 * (1.0 - 1 / (2 * beta)), ipo.dChosen()[0], 1e-12);
  }

  @Test
  void aTinyPolicyLearnsThePlantedPreference(@TempDir Path dir) {
    JobStats stats = DpoTraining.run(SftFixtures.spark(), settings(dir.resolve("dpo"), "dpo.epochs=3",
        "dpo.beta=0.5"), QUIET);
    assertEquals(0.5, ((Number) stats.get("val_accuracy_at_start")).doubleValue(), 1e-9, "pi = ref at the start");
    double accuracy = ((Number) stats.get("val_accuracy")).doubleValue();
    assertTrue(accuracy >= 0.95, stats.toJson());
    assertTrue(((Number) stats.get("val_margin")).doubleValue() > 0, stats.toJson());
    List<Map<String, Object>> log = new MetricsLog(dir.resolve("dpo").resolve(MetricsLog.FILE)).read();
    assertTrue(log.stream().anyMatch(l -> l.containsKey("rewards/margins") && l.containsKey("logps/chosen")
        && l.containsKey("logps/rejected") && l.containsKey("kl/chosen") && l.containsKey("rewards/accuracies")),
        log.toString());
  }

  @Test
  void aVeryLargeBetaKeepsThePolicyNearTheReference(@TempDir Path dir) {
    // at a small learning rate (Adam's steps are as large for any beta at first; the leash is in when they stop)
    String[] slow = {"dpo.max-steps=30", "dpo.optimizer.learning-rate=3e-4", "dpo.optimizer.min-learning-rate=3e-5"};
    JobStats loose = DpoTraining.run(SftFixtures.spark(), settings(dir.resolve("loose"), concat(slow,
        "dpo.beta=0.1")), QUIET);
    JobStats tight = DpoTraining.run(SftFixtures.spark(), settings(dir.resolve("tight"), concat(slow,
        "dpo.beta=1000")), QUIET);
    System.out.println("dpo beta 0.1: " + loose.get("val_kl_chosen") + " / beta 1000: " + tight.get("val_kl_chosen"));
    double looseKl = Math.abs(((Number) loose.get("val_kl_chosen")).doubleValue());
    double tightKl = Math.abs(((Number) tight.get("val_kl_chosen")).doubleValue());
    assertTrue(tightKl < 0.05, "beta 1000: the per-token log-ratio stays small: " + tight.toJson());
    assertTrue(tightKl < looseKl / 3, tightKl + " vs " + looseKl);
  }

  @Test
  void referenceLogProbsAreComputedOnceAndReusedAfterAResume(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("dpo");
    String schedule = "dpo.optimizer.decay-steps=20";
    DpoTraining.run(SftFixtures.spark(), settings(dir.resolve("straight"), "dpo.max-steps=20", schedule), QUIET);
    DpoTraining.run(SftFixtures.spark(), settings(out, "dpo.max-steps=10", schedule), QUIET);
    Path file = out.resolve(ReferenceLogProbs.FILE);
    FileTime written = Files.getLastModifiedTime(file);
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    DpoTraining.run(SftFixtures.spark(), settings(out, "dpo.max-steps=20", schedule),
        new PrintStream(console, true, StandardCharsets.UTF_8));
    assertTrue(console.toString(StandardCharsets.UTF_8).contains("reusing the reference log-probs"), console.toString());
    assertEquals(written, Files.getLastModifiedTime(file), "not computed again");
    assertEquals(losses(dir.resolve("straight")), losses(out), "the resumed run follows the uninterrupted one");
    assertTrue(Checkpoint.exists(out));
  }

  @Test
  void twoWorkersFollowTheSingleProcess(@TempDir Path dir) {
    JobStats single = DpoTraining.run(SftFixtures.spark(), settings(dir.resolve("single"), "dpo.max-steps=5"), QUIET);
    JobStats dp = DpoTraining.run(SftFixtures.spark(), settings(dir.resolve("dp"), "dpo.max-steps=5",
        "dpo.batch-size=4", "dpo.distributed.workers=2"), QUIET);
    assertEquals(2, ((List<?>) dp.get("executors")).size());
    List<Object> a = losses(dir.resolve("single"));
    List<Object> b = losses(dir.resolve("dp"));
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      double x = Double.parseDouble(a.get(i).toString().split(":")[1]);
      double y = Double.parseDouble(b.get(i).toString().split(":")[1]);
      assertEquals(x, y, 1e-4 * Math.max(1, Math.abs(x)), "loss at " + a.get(i));
    }
    assertEquals(((Number) single.get("val_accuracy")).doubleValue(), ((Number) dp.get("val_accuracy"))
        .doubleValue(), 1e-3);
  }

  @Test
  void aReferenceWithAnotherTokenizerFailsBeforeTraining(@TempDir Path dir) throws Exception {
    Path other = SftFixtures.base(dir.resolve("other"), new io.llmforge.pipeline.tokenizer.BpeTrainer(
        io.llmforge.pipeline.tokenizer.PreTokenizer.Kind.GPT4, io.llmforge.pipeline.tokenizer.SpecialTokens.ALL, 300,
        1).trainOnText(List.of("something else entirely")).tokenizer());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> DpoTraining.run(SftFixtures.spark(),
        settings(dir.resolve("dpo"), "dpo.base=\"" + other + "\""), QUIET));
    assertTrue(e.getMessage().contains("another tokenizer"), e.getMessage());
    assertTrue(!Files.exists(dir.resolve("dpo")), "nothing was written");
  }

  /**
   * With a validation split the best checkpoint is the one the validation split liked best (first of equals), it is
   * copied to best/, the held-out figures reported for it are that step's, and a resumed run picks the same one.
   */
  @Test
  void aValidationSplitPicksTheBestCheckpointAndAResumedRunPicksTheSame(@TempDir Path dir) {
    String[] run = {"dpo.max-steps=30", "dpo.optimizer.decay-steps=30", "dpo.validation-fraction=0.25"};
    Path out = dir.resolve("straight");
    JobStats stats = DpoTraining.run(SftFixtures.spark(), settings(out, run), QUIET);
    int all = PreferencePairs.load(SftFixtures.spark().sparkContext().hadoopConfiguration(), data.toString(),
        PreferenceManifest.read(SftFixtures.spark().sparkContext().hadoopConfiguration(), data.toString()),
        PreferencePrepareJob.TRAIN).size();
    int validation = ((Number) stats.get("validation_pairs")).intValue();
    assertEquals(all, ((Number) stats.get("train_pairs")).intValue() + validation, "every training pair is used once");
    assertTrue(validation > 0.1 * all && validation < 0.4 * all, validation + " of " + all);

    List<Map<String, Object>> log = new MetricsLog(out.resolve(MetricsLog.FILE)).read();
    long bestStep = -1;
    double bestValue = Double.NaN;
    for (Map<String, Object> l : log) {
      if (l.containsKey("validation/accuracy")) {
        double v = ((Number) l.get("validation/accuracy")).doubleValue();
        if (Double.isNaN(bestValue) || v > bestValue) {
          bestValue = v;
          bestStep = ((Number) l.get("step")).longValue();
        }
      }
    }
    assertEquals(bestStep, ((Number) stats.get("best_step")).longValue(), stats.toJson());
    assertEquals(bestValue, ((Number) stats.get("validation_accuracy_best")).doubleValue(), 1e-12);
    long at = bestStep;
    double heldOutThere = log.stream().filter(l -> l.containsKey("eval/accuracy")
        && ((Number) l.get("step")).longValue() == at).mapToDouble(l -> ((Number) l.get("eval/accuracy"))
        .doubleValue()).findFirst().orElseThrow();
    assertEquals(heldOutThere, ((Number) stats.get("val_accuracy_at_best")).doubleValue(), 1e-12);
    Path best = Checkpoint.latestGood(out.resolve(OfflineTraining.BEST), QUIET).orElseThrow();
    assertEquals(bestStep, Checkpoint.readState(best).step(), "best/ holds the chosen step");

    Path resumed = dir.resolve("resumed");
    DpoTraining.run(SftFixtures.spark(), settings(resumed, concat(run, "dpo.max-steps=15")), QUIET);
    JobStats again = DpoTraining.run(SftFixtures.spark(), settings(resumed, run), QUIET);
    assertEquals(stats.get("best_step"), again.get("best_step"));
    assertEquals(stats.get("validation_accuracy_best"), again.get("validation_accuracy_best"));
    assertEquals(stats.get("val_accuracy_at_best"), again.get("val_accuracy_at_best"));

    ConfigError e = assertThrows(ConfigError.class, () -> settings(dir.resolve("bad"), "dpo.best-metric=auc"));
    assertTrue(e.getMessage().contains("dpo.best-metric"), e.getMessage());
  }

  static String[] concat(String[] a, String... b) {
    List<String> all = new ArrayList<>(List.of(a));
    all.addAll(List.of(b));
    return all.toArray(String[]::new);
  }

  static List<Object> losses(Path run) {
    return new MetricsLog(run.resolve(MetricsLog.FILE)).read().stream().filter(l -> l.containsKey("loss"))
        .map(l -> l.get("step") + ":" + l.get("loss")).map(Object.class::cast).toList();
  }
}
