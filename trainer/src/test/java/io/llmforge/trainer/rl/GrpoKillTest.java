package io.llmforge.trainer.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.sft.SftFixtures;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GRPO run SIGKILLed in a child JVM resumes to exactly the run that was never killed: the same samples (their
 * rewards) and the same losses round for round, since every round's sampling is seeded by (seed, round, worker).
 */
class GrpoKillTest {
  static final int ROUNDS = 12;
  static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

  static OnlineSettings settings(Path sft, Path out) {
    return OnlineSettings.from(JobConfig.load("grpo", List.of("grpo"), List.of(), List.of(
        "grpo.base=\"" + sft + "\"", "grpo.output=\"" + out + "\"", "grpo.steps=" + ROUNDS,
        "grpo.prompts-per-step=4", "grpo.group-size=4", "grpo.max-new-tokens=4", "grpo.task.eval-prompts=8",
        "grpo.eval-interval=6", "grpo.checkpoint-interval=2", "grpo.optimizer.learning-rate=1e-3",
        "grpo.optimizer.warmup-steps=1")));
  }

  @Test
  void killedProcessResumesToTheSameSamplesAndLosses(@TempDir Path dir) throws Exception {
    Path sft = GrpoTest.additionSftModel(dir);
    Path straight = dir.resolve("straight");
    GrpoTraining.run(SftFixtures.spark(), settings(sft, straight), QUIET);

    Path killed = dir.resolve("killed");
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new java.util.ArrayList<>(List.of(javaBin, "-Xmx1g"));
    // Spark in the child needs the test JVM's --add-opens flags
    java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-opens") || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions"))
        .forEach(command::add);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName(), sft.toString(),
        killed.toString()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(new File(dir.toFile(), "child.log"));
    builder.environment().put("OMP_NUM_THREADS", "1");
    Process child = builder.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (!Checkpoint.exists(killed) && child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    boolean aliveAtKill = child.isAlive();
    child.destroyForcibly(); // SIGKILL
    child.waitFor();
    assertTrue(aliveAtKill, "the child died before it was killed:\n" + Files.readString(
        dir.resolve("child.log")));
    long stepAtKill = Checkpoint.latestGood(killed, QUIET).map(c -> Checkpoint.readState(c).step()).orElse(0L);
    System.err.println("grpo child killed with its last checkpoint at round " + stepAtKill + " of " + ROUNDS);
    GrpoTraining.run(SftFixtures.spark(), settings(sft, killed), QUIET);

    assertTrue(stepAtKill > 0 && stepAtKill < ROUNDS, "killed mid-run, after a checkpoint: round " + stepAtKill);
    assertEquals(GrpoTest.losses(straight), GrpoTest.losses(killed), "the same rewards and losses round for round");
  }

  /** The run the test kills: SFT model, output. */
  public static final class Child {
    private Child() {}

    public static void main(String[] args) {
      GrpoTraining.run(SftFixtures.spark(), settings(Path.of(args[0]), Path.of(args[1])), System.out);
    }
  }
}
