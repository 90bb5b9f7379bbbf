package io.llmforge.trainer.metrics;

import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.loop.Trainer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a trainer's writing rank reports, the same way for every stage: every {@code log-interval} steps (and at the
 * last) a metrics.jsonl line (loss, lr, grad_norm, tokens_seen, tokens_per_s, mfu, plus the stage's own fields) and
 * a console progress line; after each evaluation a {@code val_loss} line, the redrawn loss curve and a console line.
 * Throughput is over the window since the last logged step.
 */
public final class TrainingLog {
  private final MetricsLog metrics;
  private final Path lossCurve;
  private final PrintStream console;
  private final GptConfig config;
  private final long parameters;
  private final double peakTflops;
  private final long maxSteps;
  private final int logInterval;
  private final long firstStep;
  private final long started = System.nanoTime();
  private long windowStart = System.nanoTime();
  private long windowTokens;

  /**
   * @param peakTflops all workers' peak together (for MFU); 0 leaves MFU at 0
   * @param firstStep  the step this session started at (for the ETA)
   */
  public TrainingLog(Path run, PrintStream console, GptConfig config, long parameters, double peakTflops,
      long maxSteps, int logInterval, long firstStep) {
    this.metrics = new MetricsLog(run.resolve(MetricsLog.FILE));
    this.lossCurve = run.resolve(LossCurve.FILE);
    this.console = console;
    this.config = config;
    this.parameters = parameters;
    this.peakTflops = peakTflops;
    this.maxSteps = maxSteps;
    this.logInterval = logInterval;
    this.firstStep = firstStep;
  }

  public MetricsLog metrics() {
    return metrics;
  }

  /**
   * Counts the step's tokens (all workers) and, when the step is due, logs it.
   *
   * @param lastVal the latest validation loss (NaN before the first)
   * @param extra   stage-specific fields for the metrics line (may be empty)
   */
  public void step(Trainer.StepResult result, long stepTokens, long tokensSeen, double lastVal,
      Map<String, Object> extra) {
    windowTokens += stepTokens;
    long step = result.step() + 1;
    if (step % logInterval != 0 && step != maxSteps) {
      return;
    }
    double tokensPerSecond = windowTokens / ((System.nanoTime() - windowStart) / 1e9);
    double mfu = Flops.mfu(config, parameters, tokensPerSecond, peakTflops);
    Map<String, Object> m = line(step, "loss", result.loss());
    m.put("lr", result.learningRate());
    m.put("grad_norm", result.gradNorm());
    m.putAll(extra);
    m.put("tokens_seen", tokensSeen);
    m.put("tokens_per_s", tokensPerSecond);
    m.put("mfu", mfu);
    metrics.append(m);
    double elapsed = (System.nanoTime() - started) / 1e9;
    console.println(ProgressLine.format(step, maxSteps, result.loss(), lastVal, result.learningRate(),
        tokensPerSecond, mfu, elapsed / (step - firstStep) * (maxSteps - step)));
    windowStart = System.nanoTime();
    windowTokens = 0;
  }

  /** A validation result: the metrics line, the loss curve, and {@code step N: <what> x} on the console. */
  public void validation(long step, double value, String what) {
    metrics.append(line(step, "val_loss", value));
    LossCurve.write(lossCurve, metrics.read());
    console.printf(Locale.ROOT, "step %d: %s %.4f%n", step, what, value);
  }

  /** The validation loss before any training, logged without a console line. */
  public void initialValidation(double value) {
    metrics.append(line(0, "val_loss", value));
  }

  /** Redraws the loss curve from everything logged. */
  public void finish() {
    LossCurve.write(lossCurve, metrics.read());
  }

  private static Map<String, Object> line(long step, String key, double value) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("step", step);
    m.put(key, value);
    return m;
  }
}
