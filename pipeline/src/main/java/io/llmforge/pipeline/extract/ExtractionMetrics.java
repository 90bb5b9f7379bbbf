package io.llmforge.pipeline.extract;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The scoring of the ScrapingHub article-extraction-benchmark ({@code evaluate.py} at commit 4a3bc97),
 * re-implemented so that figures computed here can be compared with the benchmark's published table.
 *
 * <p>How it matches {@code evaluate.py}:
 * <ul>
 *   <li><b>Tokens</b>: maximal runs of {@code \w} characters as Python's {@code re} defines them for str
 *       patterns: letters (Unicode categories Lu, Ll, Lt, Lm, Lo), numbers (Nd, Nl, No) and {@code '_'}.
 *       Combining marks and punctuation separate tokens; case is kept ({@code IGNORECASE} has no effect
 *       on {@code \w}).</li>
 *   <li><b>Shingles</b>: every run of {@value #SHINGLE_SIZE} consecutive tokens, counted as a multiset.
 *       A text with 1..3 tokens yields exactly one (shorter) shingle; a text with no token yields none.</li>
 *   <li><b>Per page</b>: tp = sum of min(true count, predicted count) over shingles, fp and fn the
 *       excesses. evaluate.py then divides the three by their sum, which changes no ratio, so precision is
 *       tp/(tp+fp) and recall tp/(tp+fn).</li>
 *   <li><b>Undefined values</b>: evaluate.py averages precision only over pages whose prediction has a
 *       shingle (tp+fp &gt; 0) and recall only over pages whose ground truth has one (tp+fn &gt; 0). Here
 *       such an undefined value is {@link Double#NaN}, and {@link #mean} skips NaN, which is the same
 *       thing. So an empty prediction costs recall (0) but not precision.</li>
 *   <li><b>Corpus figure</b>: precision and recall are macro-averaged over pages (every page weighs the
 *       same, whatever its length), and F1 is the harmonic mean of those two averages, not the mean of
 *       per-page F1 values.</li>
 * </ul>
 * The benchmark's bootstrap standard deviations are not reproduced; they do not change the point figures.
 */
public final class ExtractionMetrics {
  /** The benchmark's {@code ngram_n}. */
  public static final int SHINGLE_SIZE = 4;

  private ExtractionMetrics() {}

  /**
   * Precision, recall and F1 of one page, or of a corpus (see {@link #mean}).
   *
   * @param precision share of predicted shingles that are in the truth; NaN when nothing was predicted
   * @param recall    share of true shingles that were predicted; NaN when the truth is empty
   * @param f1        harmonic mean of the two. For one page: 0 when exactly one side is empty, 1 when both
   *                  are (they agree). For a corpus: the harmonic mean of the averaged precision and recall.
   */
  public record Score(double precision, double recall, double f1) {
    public Score {
      checkUnitOrNaN(precision, "precision");
      checkUnitOrNaN(recall, "recall");
      checkUnitOrNaN(f1, "f1");
    }

    private static void checkUnitOrNaN(double v, String name) {
      if (!Double.isNaN(v) && (v < 0 || v > 1)) {
        throw new IllegalArgumentException(name + " must be in [0,1] or NaN, got " + v);
      }
    }
  }

  /** Scores one predicted article body against its ground truth; null counts as "". */
  public static Score score(String predicted, String truth) {
    Map<String, Integer> pred = shingles(predicted);
    Map<String, Integer> gold = shingles(truth);
    long predTotal = total(pred);
    long goldTotal = total(gold);
    long tp = 0;
    for (Map.Entry<String, Integer> e : pred.entrySet()) {
      tp += Math.min(e.getValue(), gold.getOrDefault(e.getKey(), 0));
    }
    double precision = predTotal == 0 ? Double.NaN : (double) tp / predTotal;
    double recall = goldTotal == 0 ? Double.NaN : (double) tp / goldTotal;
    double f1;
    if (predTotal == 0 && goldTotal == 0) {
      f1 = 1.0;
    } else if (predTotal == 0 || goldTotal == 0) {
      f1 = 0.0;
    } else {
      f1 = harmonic(precision, recall);
    }
    return new Score(precision, recall, f1);
  }

  /**
   * The corpus figure as evaluate.py computes it: mean precision over pages with a defined precision, mean
   * recall over pages with a defined recall, F1 their harmonic mean. A component no page defines is NaN.
   *
   * @throws IllegalArgumentException if {@code scores} is empty (Python's statistics.mean would raise too)
   */
  public static Score mean(List<Score> scores) {
    Objects.requireNonNull(scores, "scores");
    if (scores.isEmpty()) {
      throw new IllegalArgumentException("no scores to average");
    }
    double p = meanIgnoringNaN(scores.stream().mapToDouble(Score::precision).toArray());
    double r = meanIgnoringNaN(scores.stream().mapToDouble(Score::recall).toArray());
    double f1 = Double.isNaN(p) || Double.isNaN(r) ? Double.NaN : harmonic(p, r);
    return new Score(p, r, f1);
  }

  /** evaluate.py's "accuracy": the two texts have exactly the same token sequence. */
  public static boolean exactMatch(String predicted, String truth) {
    return tokens(predicted).equals(tokens(truth));
  }

  /** Tokens as Python's {@code re.findall(r'\w+', text)}; package-visible for tests. */
  static List<String> tokens(String text) {
    List<String> out = new ArrayList<>();
    if (text == null) {
      return out;
    }
    int start = -1;
    int i = 0;
    while (i < text.length()) {
      int cp = text.codePointAt(i);
      if (isWordChar(cp)) {
        if (start < 0) {
          start = i;
        }
      } else if (start >= 0) {
        out.add(text.substring(start, i));
        start = -1;
      }
      i += Character.charCount(cp);
    }
    if (start >= 0) {
      out.add(text.substring(start));
    }
    return out;
  }

  /** Python's {@code str.isalnum() or '_'}: the characters {@code \w} matches in a str pattern. */
  private static boolean isWordChar(int cp) {
    if (cp == '_' || Character.isLetter(cp)) {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.DECIMAL_DIGIT_NUMBER
        || type == Character.LETTER_NUMBER
        || type == Character.OTHER_NUMBER;
  }

  /** Shingle multiset; a shingle's tokens are joined by a space, which no token contains. */
  private static Map<String, Integer> shingles(String text) {
    List<String> tokens = tokens(text);
    Map<String, Integer> counts = new HashMap<>();
    if (tokens.isEmpty()) {
      return counts;
    }
    int n = Math.max(1, tokens.size() - SHINGLE_SIZE + 1);
    for (int i = 0; i < n; i++) {
      String key = String.join(" ", tokens.subList(i, Math.min(tokens.size(), i + SHINGLE_SIZE)));
      counts.merge(key, 1, Integer::sum);
    }
    return counts;
  }

  private static long total(Map<String, Integer> counts) {
    long sum = 0;
    for (int c : counts.values()) {
      sum += c;
    }
    return sum;
  }

  private static double meanIgnoringNaN(double[] values) {
    double sum = 0;
    int n = 0;
    for (double v : values) {
      if (!Double.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  private static double harmonic(double p, double r) {
    // min(): rounding must not push the harmonic mean of two values <= 1 above 1.
    return p + r == 0 ? 0.0 : Math.min(1.0, 2 * p * r / (p + r));
  }
}
