package io.llmforge.trainer.optim;

/**
 * Linear warmup then cosine decay, exactly nanoGPT's {@code get_lr(it)}: {@code peak * (step + 1) / (warmup + 1)}
 * during warmup, a half cosine from {@code peak} down to {@code min} until {@code decaySteps}, then {@code min}.
 */
public record LrSchedule(double peak, double min, int warmupSteps, int decaySteps) {

  /** Learning rate for optimiser step {@code step} (0-based). */
  public double at(long step) {
    if (step < warmupSteps) {
      return peak * (step + 1) / (warmupSteps + 1);
    }
    if (step > decaySteps || decaySteps == warmupSteps) {
      return min;
    }
    double progress = (double) (step - warmupSteps) / (decaySteps - warmupSteps); // 0 -> 1
    double coefficient = 0.5 * (1.0 + Math.cos(Math.PI * progress));              // 1 -> 0
    return min + coefficient * (peak - min);
  }
}
