package io.llmforge.trainer.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.pipeline.spark.ChildJvm;
import io.llmforge.trainer.sft.SftFixtures;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A retraining SIGKILLed in a child JVM mid-training leaves {@code current} on the old version and its lock file
 * behind; the next run gets the lock (the kernel released it), resumes the half-trained version from its checkpoint
 * and finishes it.
 */
class RetrainKillTest {
  static RetrainSettings settings(Path base, Path rm, Path inbox) {
    return RewardFixtures.retrain(base, rm, inbox, "rm-train.max-steps=40", "rm-train.checkpoint-interval=5");
  }

  @Test
  void killDuringRetrainingKeepsCurrentAndTheNextRunRecovers(@TempDir Path dir) throws Exception {
    Path base = SftFixtures.base(dir);
    Path inbox = dir.resolve("inbox");
    Path rm = dir.resolve("rm");
    DemoPreferences.write(inbox.resolve("batch-1.jsonl"), 100, 1, Instant.parse("2026-11-01T00:00:00Z"), false);
    RewardRetrainJob.run(SftFixtures.spark(), settings(base, rm, inbox), new PrintStream(new ByteArrayOutputStream()));
    RewardVersions versions = new RewardVersions(rm);
    assertEquals(1, versions.current().orElseThrow());

    DemoPreferences.write(inbox.resolve("batch-2.jsonl"), 100, 2, Instant.parse("2026-11-02T00:00:00Z"), false);
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(javaBin, "-Xmx1g"));
    command.addAll(ChildJvm.flags()); // Spark needs the module openings this JVM was started with
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), RetrainChild.class.getName(),
        base.toString(), rm.toString(), inbox.toString()));
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true).redirectOutput(new File(dir.toFile(), "child.log"));
    builder.environment().put("OMP_NUM_THREADS", "1");
    Process child = builder.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    Path v2 = versions.folder(2);
    while (!Checkpoint.exists(v2) && child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    child.destroyForcibly(); // SIGKILL
    child.waitFor();
    assertTrue(Checkpoint.exists(v2), "the child reached a checkpoint of v2: "
        + Files.readString(dir.resolve("child.log")));
    assertFalse(versions.finished(2), "killed before v2 was finished");
    assertEquals(1, versions.current().orElseThrow(), "current stays on v1 while v2 is half-trained");
    assertTrue(RetrainLock.holder(rm).isPresent(), "the killed run's lock file still names it");

    ByteArrayOutputStream console = new ByteArrayOutputStream();
    JobStats next = RewardRetrainJob.run(SftFixtures.spark(), settings(base, rm, inbox),
        new PrintStream(console, true, StandardCharsets.UTF_8));
    String said = console.toString(StandardCharsets.UTF_8);
    assertTrue(said.contains("was killed"), said);
    assertTrue(said.contains("resuming " + v2), said);
    assertTrue(versions.finished(2), said);
    assertEquals("promoted", next.get("decision"), next.toJson());
    assertEquals(2, versions.current().orElseThrow());
    assertEquals(40L, ((Number) next.get("steps")).longValue());
  }
}
