package io.llmforge.trainer.pretrain;

import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.data.TestShards;
import io.llmforge.trainer.checkpoint.Runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training process killed with SIGKILL (no shutdown hooks, possibly in the middle of writing a checkpoint) and
 * started again ends with exactly the weights, state and metrics of a run that was never interrupted.
 */
class PretrainKillTest {
  static final int STEPS = 30;

  @Test
  void killedProcessResumesToTheSameResult(@TempDir Path dir) throws Exception {
    Path shards = dir.resolve("shards");
    TestShards.write(shards, PretrainingTest.SEQ, PretrainingTest.VOCAB, 5, 4);
    Path straight = dir.resolve("straight");
    PretrainingTest.run(PretrainingTest.settings(shards, straight, STEPS));

    Path killed = dir.resolve("killed");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        PretrainChild.class.getName(), shards.toString(), killed.toString(), String.valueOf(STEPS))
        .redirectErrorStream(true).redirectOutput(new File(dir.toFile(), "child.log"));
    builder.environment().put("OMP_NUM_THREADS", "1");
    Process child = builder.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Checkpoint.exists(killed) && child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    child.destroyForcibly(); // SIGKILL
    child.waitFor();
    long stepAtKill = Checkpoint.exists(killed) ? Runs.state(killed).step() : 0;
    System.out.println("child killed with its last checkpoint at step " + stepAtKill + " of " + STEPS);

    PretrainingTest.run(PretrainingTest.settings(shards, killed, STEPS));

    assertTrue(stepAtKill < STEPS, "the child finished before it was killed; make the run longer");
    assertEquals(Runs.state(straight), Runs.state(killed));
    assertEquals(PretrainingTest.losses(straight), PretrainingTest.losses(killed));
    Runs.assertSameWeights(straight, killed, 0.0);
  }
}
