package io.llmforge.pipeline.filter;

import io.llmforge.pipeline.document.Document;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * FineWeb's own heuristics (Penedo et al. 2024, "The FineWeb Datasets", arXiv:2406.17557, section 3.3.3 "Developing
 * additional heuristic filters"), computed exactly as datatrove's {@code FineWebQualityFilter}
 * (src/datatrove/pipeline/filters/fineweb_quality_filter.py, commit a649de79). On the non-blank lines of
 * {@code text.split("\n")}, in this order:
 *
 * <ol>
 *   <li>{@code line_punct_ratio}: fraction of lines whose last character (no stripping) is terminal punctuation
 *       (datatrove's {@code TERMINAL_PUNCTUATION}, {@code . ! ?} and their equivalents in other scripts); reject
 *       below 0.12;
 *   <li>{@code short_line_ratio}: fraction of lines of at most 30 characters; reject above 0.67;
 *   <li>{@code char_dup_ratio}: characters in lines equal to an earlier line / characters of the text without
 *       newlines; reject above 0.01;
 *   <li>{@code newline_ratio} (upstream "list_ratio"): newlines in the text / words ({@link Words#words}); reject
 *       above 0.3.
 * </ol>
 *
 * A text without a non-blank line is rejected as {@code empty}. Characters are code points. All signals are
 * computed for every document.
 */
public final class FineWebQualityFilter implements DocumentFilter {
  private static final long serialVersionUID = 1L;

  /** Filter name and signal prefix. */
  public static final String NAME = "fineweb";

  /**
   * Thresholds.
   *
   * @param minLinePunctRatio     minimum fraction of lines ending in terminal punctuation (FineWeb: 0.12)
   * @param linePunctExcludeZero  do not reject when no line at all ends in punctuation (FineWeb: false)
   * @param maxShortLineRatio     maximum fraction of short lines (FineWeb: 0.67)
   * @param shortLineLength       a line of at most this many characters is short (FineWeb: 30)
   * @param maxCharDupRatio       maximum duplicated-line character fraction (FineWeb: 0.01)
   * @param maxNewlineRatio       maximum newlines per word (FineWeb: 0.3)
   */
  public record Settings(double minLinePunctRatio, boolean linePunctExcludeZero, double maxShortLineRatio,
      int shortLineLength, double maxCharDupRatio, double maxNewlineRatio) implements Serializable {

    public Settings {
      if (!(minLinePunctRatio >= 0) || !(maxShortLineRatio >= 0) || !(maxCharDupRatio >= 0)
          || !(maxNewlineRatio >= 0) || shortLineLength < 0) {
        throw new IllegalArgumentException("thresholds must be >= 0: " + minLinePunctRatio + ", "
            + maxShortLineRatio + ", " + shortLineLength + ", " + maxCharDupRatio + ", " + maxNewlineRatio);
      }
    }

    /** The published defaults (datatrove's constructor defaults, used for FineWeb). */
    public static Settings defaults() {
      return new Settings(0.12, false, 0.67, 30, 0.01, 0.3);
    }
  }

  private final Settings settings;

  public FineWebQualityFilter() {
    this(Settings.defaults());
  }

  public FineWebQualityFilter(Settings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Verdict apply(Document doc) {
    String text = doc.text();
    List<String> lines = new ArrayList<>();
    int newlines = 0;
    int start = 0;
    for (int i = 0; i <= text.length(); i++) {
      if (i == text.length() || text.charAt(i) == '\n') {
        String line = text.substring(start, i);
        if (!Words.strip(line).isEmpty()) {
          lines.add(line);
        }
        if (i < text.length()) {
          newlines++;
        }
        start = i + 1;
      }
    }
    int punctLines = 0;
    int shortLines = 0;
    for (String line : lines) {
      if (Words.endsWithTerminalPunctuation(line)) {
        punctLines++;
      }
      if (Words.length(line) <= settings.shortLineLength()) {
        shortLines++;
      }
    }
    double punctRatio = SignalMap.ratio(punctLines, lines.size());
    double shortRatio = SignalMap.ratio(shortLines, lines.size());
    long dupChars = GopherRepetitionFilter.duplicates(lines)[1];
    double charDupRatio = SignalMap.ratio(dupChars, Words.length(text) - newlines);
    int words = lines.isEmpty() ? 0 : Words.words(text).size();
    double newlineRatio = SignalMap.ratio(newlines, words);

    SignalMap signals = new SignalMap(NAME)
        .put("lines", lines.size())
        .put("line_punct_ratio", punctRatio)
        .put("short_line_ratio", shortRatio)
        .put("char_dup_ratio", charDupRatio)
        .put("newline_ratio", newlineRatio);

    Settings s = settings;
    String reason = null;
    if (lines.isEmpty()) {
      reason = "empty: no non-blank line";
    } else if (punctRatio < s.minLinePunctRatio() && !(punctRatio == 0 && s.linePunctExcludeZero())) {
      reason = SignalMap.reason("line_punct_ratio", punctRatio, "<", s.minLinePunctRatio());
    } else if (shortRatio > s.maxShortLineRatio()) {
      reason = SignalMap.reason("short_line_ratio", shortRatio, ">", s.maxShortLineRatio());
    } else if (charDupRatio > s.maxCharDupRatio()) {
      reason = SignalMap.reason("char_dup_ratio", charDupRatio, ">", s.maxCharDupRatio());
    } else if (newlineRatio > s.maxNewlineRatio()) {
      reason = SignalMap.reason("newline_ratio", newlineRatio, ">", s.maxNewlineRatio());
    }
    return reason == null ? Verdict.keep(signals.build()) : Verdict.reject(signals.build(), reason);
  }
}
