package io.llmforge.trainer.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.checkpoint.SafeTensors;
import io.llmforge.trainer.metrics.MetricsLog;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A LoRA SFT run SIGKILLed in a child JVM resumes to exactly the run that was never killed. */
class SftKillTest {
  static final int STEPS = 40;
  static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

  static SftSettings settings(Path data, Path base, Path out, int steps) {
    return SftFixtures.sft(data, base, out, steps, "sft.lora.rank=2", "sft.lora.dropout=0.1",
        "sft.checkpoint-interval=3", "sft.eval-interval=10", "sft.batch-size=2");
  }

  @Test
  void killedProcessResumesToTheSameResult(@TempDir Path dir) throws Exception {
    Path base = SftFixtures.base(dir);
    Path data = dir.resolve("data");
    SftPrepareJob.run(SftFixtures.spark(), SftFixtures.prepare(List.of(SftFixtures.messages(dir.resolve("in.jsonl"),
        DistributedSftTest.PAIRS)), base, data, "sft-prepare.val-fraction=0"));
    Path straight = dir.resolve("straight");
    SftTraining.run(settings(data, base, straight, STEPS), new Configuration(), QUIET);

    Path killed = dir.resolve("killed");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        SftChild.class.getName(), data.toString(), base.toString(), killed.toString(), String.valueOf(STEPS))
        .redirectErrorStream(true).redirectOutput(new File(dir.toFile(), "child.log"));
    builder.environment().put("OMP_NUM_THREADS", "1");
    Process child = builder.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Checkpoint.exists(killed) && child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    child.destroyForcibly(); // SIGKILL
    child.waitFor();
    long stepAtKill = Checkpoint.latestGood(killed, QUIET).map(c -> Checkpoint.readState(c).step()).orElse(0L);
    System.out.println("sft child killed with its last checkpoint at step " + stepAtKill + " of " + STEPS);
    SftTraining.run(settings(data, base, killed, STEPS), new Configuration(), QUIET);

    assertTrue(stepAtKill < STEPS, "the child finished before it was killed; make the run longer");
    assertEquals(losses(straight), losses(killed), "the same losses step for step (LoRA dropout masks included)");
    Map<String, INDArray> a = adapters(straight);
    Map<String, INDArray> b = adapters(killed);
    assertEquals(a.keySet(), b.keySet());
    for (String name : a.keySet()) {
      assertEquals(a.get(name), b.get(name), name);
    }
  }

  private static List<Object> losses(Path run) {
    return new MetricsLog(run.resolve(MetricsLog.FILE)).read().stream().filter(m -> m.containsKey("loss"))
        .map(m -> m.get("step") + ":" + m.get("loss")).map(Object.class::cast).toList();
  }

  private static Map<String, INDArray> adapters(Path run) throws java.io.IOException {
    return SafeTensors.read(Checkpoint.latestGood(run, QUIET).orElseThrow().resolve(Checkpoint.ADAPTER)).tensors();
  }
}
