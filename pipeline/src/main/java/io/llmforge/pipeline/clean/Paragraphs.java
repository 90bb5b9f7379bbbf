package io.llmforge.pipeline.clean;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * A document's text as paragraph-dedup units ({@link DedupUnit}), and the same text with some units taken out.
 * Plain functions on strings, so paragraph dedup's Spark stage only moves hashes around.
 *
 * <p>Text is read as paragraphs (runs of lines between blank lines) of lines. Removing units keeps that shape:
 * the remaining lines of a paragraph stay together, a paragraph left empty disappears with its blank line.
 */
public final class Paragraphs {
  private Paragraphs() {}

  /**
   * What stripping did to one document.
   *
   * @param units        units with a non-empty key (the ones that were counted)
   * @param removedUnits units taken out (a unit repeated inside the document counts each time)
   * @param removedChars characters of the removed units, separators not included
   */
  public record Stripped(String text, int units, int removedUnits, int removedChars) {}

  /** The distinct keys of the document's units, in first-seen order; units with an empty key are skipped. */
  public static long[] keys(String text, DedupUnit unit) {
    List<Long> seen = new ArrayList<>();
    Set<Long> distinct = new HashSet<>();
    for (String u : units(text, unit)) {
      String normal = ParagraphKey.normalize(u);
      if (!normal.isEmpty()) {
        long key = ParagraphKey.hash(normal);
        if (distinct.add(key)) {
          seen.add(key);
        }
      }
    }
    long[] out = new long[seen.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = seen.get(i);
    }
    return out;
  }

  /** The text without every unit whose key {@code remove} accepts; a unit with an empty key is always kept. */
  public static Stripped strip(String text, DedupUnit unit, LongPredicate remove) {
    StringBuilder out = new StringBuilder(text.length());
    int units = 0;
    int removedUnits = 0;
    int removedChars = 0;
    for (List<String> paragraph : paragraphs(text)) {
      List<String> keptLines = new ArrayList<>();
      for (String u : units(paragraph, unit)) {
        String normal = ParagraphKey.normalize(u);
        if (normal.isEmpty()) {
          keptLines.add(u);
          continue;
        }
        units++;
        if (remove.test(ParagraphKey.hash(normal))) {
          removedUnits++;
          removedChars += u.length();
        } else {
          keptLines.add(u);
        }
      }
      if (!keptLines.isEmpty()) {
        if (out.length() > 0) {
          out.append("\n\n");
        }
        out.append(String.join("\n", keptLines));
      }
    }
    return new Stripped(removedUnits == 0 ? text : out.toString(), units, removedUnits, removedChars);
  }

  /** Lines grouped into paragraphs at blank lines; lines are stripped, blank ones never appear. */
  static List<List<String>> paragraphs(String text) {
    List<List<String>> paragraphs = new ArrayList<>();
    List<String> current = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      String s = line.strip();
      if (s.isEmpty()) {
        if (!current.isEmpty()) {
          paragraphs.add(current);
          current = new ArrayList<>();
        }
      } else {
        current.add(s);
      }
    }
    if (!current.isEmpty()) {
      paragraphs.add(current);
    }
    return paragraphs;
  }

  /** Every unit of the text, in order (repeats included). */
  public static List<String> units(String text, DedupUnit unit) {
    List<String> out = new ArrayList<>();
    for (List<String> paragraph : paragraphs(text)) {
      out.addAll(units(paragraph, unit));
    }
    return out;
  }

  private static List<String> units(List<String> paragraph, DedupUnit unit) {
    return unit == DedupUnit.LINE ? paragraph : List.of(String.join("\n", paragraph));
  }
}
