package io.llmforge.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.demo.DemoCrawl;
import io.llmforge.pipeline.spark.JobStats;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.llmforge.trainer.reward.DemoPreferences;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's spark-submit line, for real: a separate JVM runs Spark's own SparkSubmit with the shaded jar
 * built by this module's package phase (so this runs under failsafe, after packaging).
 */
class SparkSubmitIT {

  @Test
  void cleanRunsThroughSparkSubmit(@TempDir Path dir) throws Exception {
    Path jar = Path.of(System.getProperty("llmforge.jobs.jar"));
    String sparkClasspath = Files.readString(Path.of(System.getProperty("llmforge.spark.classpath"))).trim();
    assertTrue(Files.exists(jar), jar + " is built by the package phase");
    new DemoCrawl(3).write(dir.resolve("crawl"), 20);

    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx2g");
    cmd.addAll(List.of(System.getProperty("llmforge.jvm.flags").trim().split("\\s+")));
    cmd.addAll(List.of("-cp", sparkClasspath, "org.apache.spark.deploy.SparkSubmit",
        "--master", "local[2]", "--conf", "spark.ui.enabled=false",
        "--class", "io.llmforge.jobs.CleanMain", jar.toString(),
        "--set", "clean.input=[\"" + dir.resolve("crawl") + "\"]",
        "--set", "clean.output=" + dir.resolve("out")));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile()).start();
    boolean done = p.waitFor(5, TimeUnit.MINUTES);
    String log = Files.readString(dir.resolve("log.txt"));
    assertTrue(done, "spark-submit finished in time:\n" + log);
    assertEquals(0, p.exitValue(), log);
    Map<String, Object> stats = JobStats.parse(Files.readString(dir.resolve("out/stats.json")));
    assertEquals(((Number) stats.get("input")).longValue(),
        ((Number) stats.get("documents")).longValue() + ((Number) stats.get("rejects")).longValue());
    assertTrue(((Number) stats.get("documents")).longValue() >= 18, log);
  }

  @Test
  void badConfigurationExitsTwoThroughSparkSubmit(@TempDir Path dir) throws IOException, InterruptedException {
    Path jar = Path.of(System.getProperty("llmforge.jobs.jar"));
    String sparkClasspath = Files.readString(Path.of(System.getProperty("llmforge.spark.classpath"))).trim();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of(System.getProperty("llmforge.jvm.flags").trim().split("\\s+")));
    cmd.addAll(List.of("-cp", sparkClasspath, "org.apache.spark.deploy.SparkSubmit", "--master", "local[1]",
        "--class", "io.llmforge.jobs.CleanMain", jar.toString(), "--set", "clean.typo=1"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(2, TimeUnit.MINUTES));
    assertEquals(2, p.exitValue(), out);
    assertTrue(out.contains("unknown key 'clean.typo'"), out);
    assertTrue(new File(dir.toFile(), "out").exists() == false);
  }

  /**
   * sft-prepare and data-parallel sft through spark-submit: a base checkpoint made here, the demo's conversations,
   * two barrier tasks on local[2].
   */
  @Test
  void sftPrepareAndDataParallelSftRunThroughSparkSubmit(@TempDir Path dir) throws Exception {
    Path base = TinyModels.base(dir.resolve("base"));
    new io.llmforge.trainer.sft.DemoConversations(5).write(dir.resolve("chats"), 60);

    String log = sparkSubmit(dir, "prepare", "io.llmforge.jobs.SftPrepareMain",
        "--set", "sft-prepare.input=[\"" + dir.resolve("chats") + "\"]",
        "--set", "sft-prepare.base=\"" + base + "\"", "--set", "sft-prepare.output=\"" + dir.resolve("data") + "\"");
    Map<String, Object> prepared = JobStats.parse(Files.readString(dir.resolve("data/stats.json")));
    assertEquals(4L, ((Number) prepared.get("rejected")).longValue(), log);

    log = sparkSubmit(dir, "sft", "io.llmforge.jobs.SftMain",
        "--set", "sft.data=\"" + dir.resolve("data") + "\"", "--set", "sft.base=\"" + base + "\"",
        "--set", "sft.output=\"" + dir.resolve("sft") + "\"", "--set", "sft.max-steps=4",
        "--set", "sft.batch-size=4", "--set", "sft.optimizer.warmup-steps=1", "--set", "sft.optimizer.decay-steps=4",
        "--set", "sft.distributed.workers=2");
    Map<String, Object> tuned = JobStats.parse(Files.readString(dir.resolve("sft/stats.json")));
    assertEquals(4L, ((Number) tuned.get("steps")).longValue(), log);
    assertEquals(2L, ((Number) tuned.get("workers")).longValue(), log);
    assertTrue(Files.exists(dir.resolve("sft/_SUCCESS")), log);
  }

  /**
   * The preference jobs through spark-submit: pref-prepare, data-parallel rm-train (two barrier tasks), one
   * rm-retrain pass with a new batch, and rm-score with the promoted model. dpo, kto, grpo and ppo start through
   * the same trainer main and barrier path as rm-train (and sft, submitted above); their two-worker runs are
   * in-process tests.
   */
  @Test
  void rewardModelJobsRunThroughSparkSubmit(@TempDir Path dir) throws Exception {
    Path base = TinyModels.base(dir.resolve("base"));
    Path inbox = dir.resolve("inbox");
    Files.writeString(dir.resolve("chats.jsonl"), "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, "
        + "{\"role\": \"assistant\", \"content\": \"Hello thank you.\"}]}\n{\"messages\": [{\"role\": \"user\", "
        + "\"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello right now.\"}]}\n");
    DemoPreferences.write(inbox.resolve("batch-1.jsonl"), 120, 1, Instant.parse("2026-11-01T00:00:00Z"), false);
    String log = sparkSubmit(dir, "pref-prepare", "io.llmforge.jobs.PrefPrepareMain",
        "--set", "pref-prepare.input=[\"" + inbox + "\"]", "--set", "pref-prepare.base=\"" + base + "\"",
        "--set", "pref-prepare.output=\"" + dir.resolve("prefs") + "\"");
    assertEquals(4L, ((Number) JobStats.parse(Files.readString(dir.resolve("prefs/stats.json"))).get("rejected"))
        .longValue(), log);
    String[] model = {"--set", "rm-train.base=\"" + base + "\"", "--set", "rm-train.output=\"" + dir.resolve("rm")
        + "\"", "--set", "rm-train.max-steps=6", "--set", "rm-train.batch-size=4",
        "--set", "rm-train.baseline.ngram-features=4096", "--set", "rm-train.baseline.ngram-reg-params=[0.01]"};
    List<String> train = new ArrayList<>(List.of("--set", "rm-train.data=\"" + dir.resolve("prefs") + "\"",
        "--set", "rm-train.distributed.workers=2"));
    train.addAll(List.of(model));
    log = sparkSubmit(dir, "rm-train", "io.llmforge.jobs.RmTrainMain", train.toArray(String[]::new));
    Map<String, Object> v1 = JobStats.parse(Files.readString(dir.resolve("rm/v1/stats.json")));
    assertEquals(2L, ((Number) v1.get("workers")).longValue(), log);
    assertEquals("v1\n", Files.readString(dir.resolve("rm/current")), log);

    DemoPreferences.write(inbox.resolve("batch-2.jsonl"), 120, 2, Instant.parse("2026-11-02T00:00:00Z"), false);
    List<String> retrain = new ArrayList<>(List.of("--set", "rm-retrain.input=[\"" + inbox + "\"]",
        "--set", "rm-retrain.min-new-pairs=50", "--set", "rm-retrain.tolerance=1.0"));
    retrain.addAll(List.of(model));
    log = sparkSubmit(dir, "rm-retrain", "io.llmforge.jobs.RmRetrainMain", retrain.toArray(String[]::new));
    assertTrue(log.contains("promoted v2"), log);
    assertEquals("v2\n", Files.readString(dir.resolve("rm/current")), log);

    log = sparkSubmit(dir, "rm-score", "io.llmforge.jobs.RmScoreMain",
        "--set", "rm-score.input=[\"" + dir.resolve("chats.jsonl") + "\"]",
        "--set", "rm-score.model=\"" + dir.resolve("rm") + "\"",
        "--set", "rm-score.output=\"" + dir.resolve("scores") + "\"");
    assertEquals(2L, ((Number) JobStats.parse(Files.readString(dir.resolve("scores/stats.json"))).get("scored"))
        .longValue(), log);
  }

  /** Runs one job's main class through spark-submit on local[2]; returns its output, failing unless it exits 0. */
  private static String sparkSubmit(Path dir, String name, String mainClass, String... args) throws Exception {
    Path jar = Path.of(System.getProperty("llmforge.jobs.jar"));
    String sparkClasspath = Files.readString(Path.of(System.getProperty("llmforge.spark.classpath"))).trim();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx2g");
    cmd.addAll(List.of(System.getProperty("llmforge.jvm.flags").trim().split("\\s+")));
    cmd.addAll(List.of("-cp", sparkClasspath, "org.apache.spark.deploy.SparkSubmit",
        "--master", "local[2]", "--conf", "spark.ui.enabled=false", "--class", mainClass, jar.toString()));
    cmd.addAll(List.of(args));
    Path logFile = dir.resolve(name + ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
    boolean done = p.waitFor(5, TimeUnit.MINUTES);
    if (!done) {
      p.destroyForcibly();
    }
    String log = Files.readString(logFile);
    assertTrue(done, name + " finished in time:\n" + log);
    assertEquals(0, p.exitValue(), log);
    return log;
  }
}
