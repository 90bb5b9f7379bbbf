package io.llmforge.trainer.metrics;

import java.util.Locale;

/** One console line of training progress: a bar, the step, losses, learning rate, throughput, MFU and ETA. */
public final class ProgressLine {
  private static final int BAR = 20;

  private ProgressLine() {}

  /** @param valLoss NaN until the first evaluation */
  public static String format(long step, long maxSteps, double loss, double valLoss, double lr,
      double tokensPerSecond, double mfu, double etaSeconds) {
    int filled = (int) Math.min(BAR, BAR * step / Math.max(1, maxSteps));
    String bar = "#".repeat(filled) + "-".repeat(BAR - filled);
    long eta = Math.max(0, Math.round(etaSeconds));
    return String.format(Locale.ROOT, "[%s] step %d/%d loss %.4f val %s lr %.2e | %.0f tok/s | mfu %.2f%% | eta %s",
        bar, step, maxSteps, loss, Double.isNaN(valLoss) ? "-" : String.format(Locale.ROOT, "%.4f", valLoss), lr,
        tokensPerSecond, 100 * mfu, eta >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", eta / 3600, eta / 60 % 60)
            : String.format(Locale.ROOT, "%dm%02ds", eta / 60, eta % 60));
  }
}
