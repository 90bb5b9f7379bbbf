package io.llmforge.trainer.preference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.metrics.MetricsLog;
import io.llmforge.trainer.preference.KtoExamples.Example;
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
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KtoTest {
  static final PrintStream QUIET = DpoTest.QUIET;
  static final Instant WHEN = Instant.parse("2026-11-01T00:00:00Z");

  @TempDir
  static Path shared;
  static Path base;
  static Path data;

  /** 300 thumbs-up/down answers and 100 pairs, one planted preference (the polite marker is liked). */
  @BeforeAll
  static void prepare() throws Exception {
    base = SftFixtures.base(shared);
    Path thumbs = DemoPreferences.writeThumbs(shared.resolve("in/thumbs.jsonl"), 300, 7, WHEN);
    Path pairs = DemoPreferences.write(shared.resolve("in/pairs.jsonl"), 100, 1, WHEN, false);
    data = shared.resolve("prefs");
    PreferencePrepareJob.run(SftFixtures.spark(), PreferencePrepareJobTest.settings(List.of(thumbs, pairs), base,
        data));
  }

  static KtoSettings settings(Path out, String... more) {
    List<String> o = new ArrayList<>(List.of("kto.data=\"" + data + "\"", "kto.base=\"" + base + "\"",
        "kto.output=\"" + out + "\"", "kto.batch-size=8", "kto.log-interval=1", "kto.eval-interval=10",
        "kto.checkpoint-interval=10", "kto.optimizer.learning-rate=3e-3", "kto.optimizer.min-learning-rate=3e-4",
        "kto.optimizer.warmup-steps=3", "kto.beta=0.5"));
    o.addAll(List.of(more));
    return KtoSettings.from(JobConfig.load("kto", List.of("kto"), List.of(), o));
  }

  /**
   * Worked by hand: r = policy - reference; desirable: w_D (1 - sigmoid(beta (r - z0))), undesirable:
   * w_U (1 - sigmoid(beta (z0 - r))); the gradient also against central finite differences.
   */
  @Test
  void lossAndGradientEqualTheHandComputedValues() {
    double beta = 0.5;
    double z0 = 0.25;
    double[] policy = {-3, -2};
    double[] reference = {-3.5, -1};
    boolean[] desirable = {true, false};
    KtoLoss.Result r = KtoLoss.of(policy, reference, desirable, z0, beta, 1.0, 1.5);
    double x1 = beta * (0.5 - z0);    // desirable, r = 0.5
    double x2 = beta * (z0 - -1.0);   // undesirable, r = -1
    double expected = (1 - sigmoid(x1)) + 1.5 * (1 - sigmoid(x2));
    assertEquals(expected, r.loss(), 1e-12);
    assertEquals(-beta * sigmoid(x1) * (1 - sigmoid(x1)), r.dPolicy()[0], 1e-12);
    assertEquals(1.5 * beta * sigmoid(x2) * (1 - sigmoid(x2)), r.dPolicy()[1], 1e-12);
    assertEquals(2.0, r.correct(), 1e-12, "r above z0 for the liked one, below for the disliked one");
    assertEquals(beta * 0.5, r.desirableRewards(), 1e-12);
    assertEquals(beta * -1.0, r.undesirableRewards(), 1e-12);
    for (int i = 0; i < 2; i++) {
      double h = 1e-6;
      double[] up = policy.clone();
      double[] down = policy.clone();
      up[i] += h;
      down[i] -= h;
      double numeric = (KtoLoss.of(up, reference, desirable, z0, beta, 1.0, 1.5).loss()
          - KtoLoss.of(down, reference, desirable, z0, beta, 1.0, 1.5).loss()) / (2 * h);
      assertEquals(numeric, r.dPolicy()[i], 1e-8);
    }
    assertEquals(0.0, KtoLoss.referencePoint(-3, 4), 0, "z0 is clamped at 0");
    assertEquals(0.75, KtoLoss.referencePoint(3, 4), 1e-12);
    assertEquals(0.75, KtoTraining.auc(new double[] {3, 1, 2, 0}, new boolean[] {true, true, false, false}), 1e-12);
  }

  @Test
  void unpairedRowsAndSplitPairsLoadWithMismatchedRowsOfAnotherPrompt() {
    PreferenceManifest manifest = PreferenceManifest.read(new Configuration(), data.toString());
    List<Example> train = KtoExamples.load(new Configuration(), data.toString(), manifest, PreferencePrepareJob.TRAIN,
        true, 1 << 20, 1);
    List<Example> val = KtoExamples.load(new Configuration(), data.toString(), manifest, PreferencePrepareJob.VAL,
        true, 1 << 20, 1);
    long pairs = manifest.split(PreferencePrepareJob.TRAIN).rows() + manifest.split(PreferencePrepareJob.VAL).rows();
    assertEquals(300 + 2 * pairs, train.size() + val.size(), "every thumbs row, every pair as two answers");
    assertTrue(val.size() > 30 && val.size() < train.size(), "held-out share drawn by pref-prepare: " + val.size());
    Set<String> ids = new HashSet<>();
    for (Example e : train) {
      ids.add(e.id());
      assertTrue(Arrays.equals(e.tokens(), 0, e.promptTokens(), e.mismatched(), 0, e.promptTokens()),
          "the mismatched row starts with the example's own prompt");
      assertFalse(Arrays.equals(e.tokens(), e.mismatched()), "... and goes on with another answer");
    }
    assertEquals(train.size(), ids.size(), "ids are unique (pairs give #chosen and #rejected)");
    assertTrue(train.stream().anyMatch(e -> e.id().endsWith("#chosen") && e.desirable()));
    assertTrue(train.stream().anyMatch(e -> e.id().endsWith("#rejected") && !e.desirable()));
    List<Example> again = KtoExamples.load(new Configuration(), data.toString(), manifest,
        PreferencePrepareJob.TRAIN, true, 1 << 20, 1);
    for (int i = 0; i < train.size(); i++) {
      assertTrue(Arrays.equals(train.get(i).mismatched(), again.get(i).mismatched()), "fixed per (data, seed)");
    }
    List<Example> cut = KtoExamples.load(new Configuration(), data.toString(), manifest, PreferencePrepareJob.TRAIN,
        false, 40, 1);
    assertEquals(300 - val.stream().filter(e -> !e.id().endsWith("#chosen") && !e.id().endsWith("#rejected")).count(),
        cut.size(), "pairs = false");
    assertTrue(cut.stream().allMatch(e -> e.mismatched().length <= Math.max(40, e.promptTokens() + 1)));
    assertNotEquals(0, cut.stream().filter(e -> e.mismatched().length == 40).count(), "long rows are cut to fit");
  }

  @Test
  void aTinyPolicyLearnsThePlantedPreference(@TempDir Path dir) {
    JobStats stats = KtoTraining.run(SftFixtures.spark(), settings(dir.resolve("kto"), "kto.epochs=2"), QUIET);
    assertEquals(0.5, ((Number) stats.get("val_accuracy_at_start")).doubleValue(), 1e-9, "pi = ref at the start");
    assertEquals(0.0, ((Number) stats.get("val_kl_at_start")).doubleValue(), 1e-9);
    assertTrue(((Number) stats.get("val_auc")).doubleValue() >= 0.95, stats.toJson());
    assertTrue(((Number) stats.get("val_accuracy")).doubleValue() >= 0.9, stats.toJson());
    assertTrue(((Number) stats.get("val_margin")).doubleValue() > 0, stats.toJson());
    List<Map<String, Object>> log = new MetricsLog(dir.resolve("kto").resolve(MetricsLog.FILE)).read();
    assertTrue(log.stream().anyMatch(l -> l.containsKey("rewards/chosen") && l.containsKey("rewards/rejected")
        && l.containsKey("rewards/margins") && l.containsKey("logps/chosen") && l.containsKey("kl")),
        log.toString());
  }

  @Test
  void referenceLogProbsAreComputedOnceAndReusedAfterAResume(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("kto");
    String schedule = "kto.optimizer.decay-steps=20";
    KtoTraining.run(SftFixtures.spark(), settings(dir.resolve("straight"), "kto.max-steps=20", schedule), QUIET);
    KtoTraining.run(SftFixtures.spark(), settings(out, "kto.max-steps=10", schedule), QUIET);
    Path file = out.resolve(ReferenceLogProbs.FILE);
    FileTime written = Files.getLastModifiedTime(file);
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    KtoTraining.run(SftFixtures.spark(), settings(out, "kto.max-steps=20", schedule),
        new PrintStream(console, true, StandardCharsets.UTF_8));
    assertTrue(console.toString(StandardCharsets.UTF_8).contains("reusing the reference log-probs"), console.toString());
    assertEquals(written, Files.getLastModifiedTime(file), "not computed again");
    assertEquals(DpoTest.losses(dir.resolve("straight")), DpoTest.losses(out), "the resumed run follows the "
        + "uninterrupted one");
    assertTrue(Checkpoint.exists(out));
  }

  /** z0 is the global batch's: the two workers' halves are summed before the loss. */
  @Test
  void twoWorkersFollowTheSingleProcess(@TempDir Path dir) {
    JobStats single = KtoTraining.run(SftFixtures.spark(), settings(dir.resolve("single"), "kto.max-steps=5"), QUIET);
    JobStats dp = KtoTraining.run(SftFixtures.spark(), settings(dir.resolve("dp"), "kto.max-steps=5",
        "kto.batch-size=4", "kto.distributed.workers=2"), QUIET);
    assertEquals(2, ((List<?>) dp.get("executors")).size());
    List<Object> a = DpoTest.losses(dir.resolve("single"));
    List<Object> b = DpoTest.losses(dir.resolve("dp"));
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      double x = Double.parseDouble(a.get(i).toString().split(":")[1]);
      double y = Double.parseDouble(b.get(i).toString().split(":")[1]);
      assertEquals(x, y, 1e-4 * Math.max(1, Math.abs(x)), "loss at " + a.get(i));
    }
    assertEquals(((Number) single.get("val_auc")).doubleValue(), ((Number) dp.get("val_auc")).doubleValue(), 1e-3);
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }
}
