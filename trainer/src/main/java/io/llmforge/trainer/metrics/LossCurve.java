package io.llmforge.trainer.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws train and validation loss against step from metrics.jsonl lines as a self-contained SVG (no plotting
 * library on the classpath; any browser opens it).
 */
public final class LossCurve {
  public static final String FILE = "loss_curve.svg";
  private static final int WIDTH = 720;
  private static final int HEIGHT = 420;
  private static final int MARGIN = 50;

  private LossCurve() {}

  public static void write(Path file, List<Map<String, Object>> metrics) {
    try {
      Files.writeString(file, svg(metrics));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  static String svg(List<Map<String, Object>> metrics) {
    List<double[]> train = series(metrics, "loss");
    List<double[]> val = series(metrics, "val_loss");
    List<double[]> all = new ArrayList<>(train);
    all.addAll(val);
    double maxStep = Math.max(1, all.stream().mapToDouble(p -> p[0]).max().orElse(1));
    double minLoss = all.stream().mapToDouble(p -> p[1]).min().orElse(0);
    double maxLoss = all.stream().mapToDouble(p -> p[1]).max().orElse(1);
    if (maxLoss - minLoss < 1e-9) {
      maxLoss = minLoss + 1;
    }
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT));
    s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
    int x0 = MARGIN;
    int y0 = HEIGHT - MARGIN;
    s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
        x0, y0, WIDTH - MARGIN / 2, y0));
    s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
        x0, y0, x0, MARGIN / 2));
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">step (max %.0f)</text>%n",
        WIDTH / 2, HEIGHT - 12, maxStep));
    s.append(String.format(Locale.ROOT, "<text x=\"8\" y=\"%d\">%.3f</text>%n", MARGIN / 2 + 4, maxLoss));
    s.append(String.format(Locale.ROOT, "<text x=\"8\" y=\"%d\">%.3f</text>%n", y0, minLoss));
    polyline(s, train, maxStep, minLoss, maxLoss, "steelblue", "train loss", 0);
    polyline(s, val, maxStep, minLoss, maxLoss, "darkorange", "val loss", 1);
    s.append("</svg>\n");
    return s.toString();
  }

  private static void polyline(StringBuilder s, List<double[]> points, double maxStep, double minLoss,
      double maxLoss, String colour, String label, int legendRow) {
    if (points.isEmpty()) {
      return;
    }
    double plotWidth = WIDTH - 1.5 * MARGIN;
    double plotHeight = HEIGHT - 1.5 * MARGIN;
    s.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"1.5\" points=\"");
    for (double[] p : points) {
      double x = MARGIN + p[0] / maxStep * plotWidth;
      double y = HEIGHT - MARGIN - (p[1] - minLoss) / (maxLoss - minLoss) * plotHeight;
      s.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
    }
    s.append("\"/>\n");
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s (last %.4f)</text>%n",
        WIDTH - 240, MARGIN / 2 + 16 * (legendRow + 1), colour, label, points.get(points.size() - 1)[1]));
  }

  private static List<double[]> series(List<Map<String, Object>> metrics, String key) {
    List<double[]> points = new ArrayList<>();
    for (Map<String, Object> m : metrics) {
      if (m.get(key) instanceof Number value) {
        points.add(new double[] {((Number) m.get("step")).doubleValue(), value.doubleValue()});
      }
    }
    return points;
  }
}
