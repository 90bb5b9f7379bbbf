package io.llmforge.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.trainer.engine.GptEngine;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/** Test helpers that read a run folder's newest good checkpoint. */
public final class Runs {
  private Runs() {}

  public static Path latest(Path run) {
    return Checkpoint.latestGood(run, new PrintStream(OutputStream.nullOutputStream()))
        .orElseThrow(() -> new AssertionError(run + " has no good checkpoint"));
  }

  public static TrainerState state(Path run) {
    return Checkpoint.readState(latest(run));
  }

  public static GptEngine engine(Path run) {
    Path c = latest(run);
    GptEngine e = new GptEngine(Checkpoint.readConfig(c));
    Checkpoint.loadWeights(c, e);
    return e;
  }

  /** Every tensor of the two runs' newest checkpoints equal within {@code eps} (0: bit for bit). */
  public static void assertSameWeights(Path a, Path b, double eps) {
    GptEngine x = engine(a);
    GptEngine y = engine(b);
    for (String p : x.parameters().names()) {
      assertTrue(x.parameters().value(p).equalsWithEps(y.parameters().value(p), eps), p);
    }
  }
}
