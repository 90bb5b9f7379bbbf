package io.llmforge.pipeline.filter;

import static io.llmforge.pipeline.filter.SharedTestData.doc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FineWebQualityFilterTest {

  private static final FineWebQualityFilter FILTER = new FineWebQualityFilter();
  private static final Set<String> SIGNALS = Set.of("fineweb_lines", "fineweb_line_punct_ratio",
      "fineweb_short_line_ratio", "fineweb_char_dup_ratio", "fineweb_newline_ratio");

  private static Verdict apply(FineWebQualityFilter f, String text) {
    Verdict v = f.apply(doc(text));
    assertEquals(SIGNALS, v.signals().keySet(), "all signals, kept or not");
    return v;
  }

  /** A distinct line of {@code words} made-up words, each 8 letters long, optionally ending with ".". */
  private static String line(int id, int words, boolean period) {
    StringBuilder sb = new StringBuilder();
    for (int w = 0; w < words; w++) {
      if (w > 0) {
        sb.append(' ');
      }
      int x = id * 100 + w;
      sb.append("word");
      for (int k = 0; k < 4; k++) {
        sb.append((char) ('a' + x % 26));
        x /= 26;
      }
    }
    return sb.append(period ? "." : "").toString();
  }

  @Test
  void defaultsAreFineWebs() {
    assertEquals(new FineWebQualityFilter.Settings(0.12, false, 0.67, 30, 0.01, 0.3),
        FineWebQualityFilter.Settings.defaults());
    assertEquals("fineweb", FILTER.name());
  }

  @Test
  void atLeastTwelvePercentOfLinesEndInPunctuation() {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      lines.add(line(i, 6, i < 3));
    }
    Verdict v = apply(FILTER, String.join("\n", lines));
    assertEquals(0.12, v.signals().get("fineweb_line_punct_ratio"), 1e-12);
    assertNull(v.rejectReason());
    lines.set(0, line(0, 6, false));
    v = apply(FILTER, String.join("\n", lines));
    assertEquals("line_punct_ratio 0.08 < 0.12", v.rejectReason());
    // trailing whitespace hides the punctuation, as upstream does not strip lines
    lines.set(1, line(1, 6, true) + " ");
    assertEquals(0.04, apply(FILTER, String.join("\n", lines)).signals().get("fineweb_line_punct_ratio"), 1e-12);
  }

  @Test
  void zeroPunctuationCanBeExcused() {
    String text = String.join("\n", line(1, 6, false), line(2, 6, false));
    assertEquals("line_punct_ratio 0 < 0.12", apply(FILTER, text).rejectReason());
    FineWebQualityFilter excuse = new FineWebQualityFilter(new FineWebQualityFilter.Settings(0.12, true, 0.67, 30,
        0.01, 0.3));
    assertNull(apply(excuse, text).rejectReason());
  }

  @Test
  void otherScriptsTerminalPunctuationCounts() {
    String text = "这是一个很长的句子，用来测试中文的句号是否被算作结尾标点符号。\n"
        + "第二行也是一个足够长的句子，它同样以中文句号结尾，不算短行。";
    Verdict v = apply(FILTER, text);
    assertEquals(1.0, v.signals().get("fineweb_line_punct_ratio"));
    assertNull(v.rejectReason());
  }

  @Test
  void atMostTwoThirdsShortLines() {
    // 100 distinct lines, 67 of at most 30 characters
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      lines.add(i < 67 ? line(i, 3, true) : line(i, 5, true));
    }
    assertEquals(27, lines.get(0).length());
    assertEquals(45, lines.get(99).length());
    Verdict v = apply(FILTER, String.join("\n", lines));
    assertEquals(0.67, v.signals().get("fineweb_short_line_ratio"), 1e-12);
    assertNull(v.rejectReason());
    lines.set(99, line(99, 3, true) + "xyz");  // exactly 30 characters: still short
    v = apply(FILTER, String.join("\n", lines));
    assertEquals("short_line_ratio 0.68 > 0.67", v.rejectReason());
  }

  @Test
  void atMostOnePercentDuplicatedLineCharacters() {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      lines.add(line(i, 10, true));
    }
    lines.add(lines.get(3));
    String text = String.join("\n", lines);
    Verdict v = apply(FILTER, text);
    double ratio = (double) lines.get(3).length() / (text.length() - 40);
    assertEquals(ratio, v.signals().get("fineweb_char_dup_ratio"), 1e-12);
    assertTrue(ratio > 0.01);
    assertEquals(SignalMap.reason("char_dup_ratio", ratio, ">", 0.01), v.rejectReason());
    FineWebQualityFilter atValue = new FineWebQualityFilter(new FineWebQualityFilter.Settings(0.12, false, 0.67, 30,
        ratio, 0.3));
    assertNull(apply(atValue, text).rejectReason(), "equal to the threshold keeps");
  }

  @Test
  void atMostPointThreeNewlinesPerWord() {
    // each line: 2 words + "." = 3 words; 10 lines joined by 9 newlines -> 9 / 30
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      lines.add(line(i, 2, false) + "longerwordsuffix.");
    }
    String text = String.join("\n", lines);
    Verdict v = apply(FILTER, text);
    assertEquals(0.3, v.signals().get("fineweb_newline_ratio"), 1e-12);
    assertNull(v.rejectReason());
    v = apply(FILTER, text + "\n");
    assertEquals("newline_ratio 0.3333 > 0.3", v.rejectReason());
  }

  @Test
  void blankTextIsEmpty() {
    Verdict v = apply(FILTER, " \n\t\n");
    assertEquals("empty: no non-blank line", v.rejectReason());
    assertEquals(0.0, v.signals().get("fineweb_lines"));
  }

  @Test
  void c4DocumentsPass() {
    List<String> docs = SharedTestData.c4Documents();
    long kept = docs.stream().filter(t -> FILTER.apply(doc(t)).kept()).count();
    System.out.printf("FineWeb quality keeps %d of %d c4_demo documents%n", kept, docs.size());
    assertTrue(kept >= 0.9 * docs.size(), "kept " + kept);
  }
}
