package io.llmforge.pipeline.filter;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Collects one filter's signals under its prefix ({@code <filter>_<signal>}) and formats numbers for reject
 * reasons, so that every filter words its reasons the same way ("mean_word_length 2.1 < 3").
 */
final class SignalMap {
  private final String prefix;
  private final Map<String, Double> values = new LinkedHashMap<>();

  SignalMap(String filterName) {
    this.prefix = filterName + "_";
  }

  SignalMap put(String signal, double value) {
    if (Double.isNaN(value)) {
      throw new IllegalArgumentException("signal " + signal + " is NaN");
    }
    values.put(prefix + signal, value);
    return this;
  }

  Map<String, Double> build() {
    return values;
  }

  /** A number as a reason shows it: integers without decimals, others rounded to 4 decimals. */
  static String fmt(double v) {
    if (Double.isInfinite(v)) {
      return v > 0 ? "inf" : "-inf";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return BigDecimal.valueOf(v).setScale(4, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
  }

  /** "name value op threshold", e.g. {@code reason("mean_word_length", 2.1, "<", 3)}. */
  static String reason(String rule, double value, String op, double threshold) {
    return rule + " " + fmt(value) + " " + op + " " + fmt(threshold);
  }

  static double ratio(double part, double whole) {
    return whole == 0 ? 0.0 : part / whole;
  }
}
