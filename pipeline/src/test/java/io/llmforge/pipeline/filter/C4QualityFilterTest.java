package io.llmforge.pipeline.filter;

import static io.llmforge.pipeline.filter.SharedTestData.doc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class C4QualityFilterTest {

  private static final C4QualityFilter FILTER = new C4QualityFilter();
  private static final C4QualityFilter.Settings DEFAULTS = C4QualityFilter.Settings.defaults();
  private static final Set<String> SIGNALS = Set.of("c4_lines", "c4_kept_lines", "c4_sentences",
      "c4_dropped_long_word_lines", "c4_dropped_no_terminal_punct_lines", "c4_dropped_few_words_lines",
      "c4_dropped_javascript_lines", "c4_dropped_policy_lines", "c4_lorem_ipsum_lines", "c4_curly_bracket_lines",
      "c4_kept_char_frac");

  private static final List<String> GOOD = List.of(
      "The bridge was completed in the spring of 1932.",
      "It carried both road and rail traffic across the river.",
      "Engineers had argued for years about its design.",
      "Was the cost justified by the traffic it carried?",
      "Most historians now think it was!");

  private static Verdict apply(String text) {
    Verdict v = FILTER.apply(doc(text));
    assertEquals(SIGNALS, v.signals().keySet(), "all signals, kept or not");
    return v;
  }

  private static String lines(List<String> lines) {
    return String.join("\n", lines);
  }

  private static List<String> with(List<String> base, String... extra) {
    List<String> out = new ArrayList<>(base);
    out.addAll(List.of(extra));
    return out;
  }

  @Test
  void defaultsAreDatatroves() {
    assertEquals(new C4QualityFilter.Settings(true, true, 5, 3, 1000, true, true, true, true), DEFAULTS);
    assertEquals(List.of("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies",
        "use cookies"), C4QualityFilter.POLICY_SUBSTRINGS);
    assertEquals("c4", FILTER.name());
  }

  @Test
  void needsFiveSentencesInTheKeptLines() {
    Verdict v = apply(lines(GOOD));
    assertNull(v.rejectReason());
    assertEquals(5, v.signals().get("c4_sentences"));
    assertEquals(5, v.signals().get("c4_kept_lines"));
    assertEquals(1.0, v.signals().get("c4_kept_char_frac"), 1e-12);

    v = apply(lines(GOOD.subList(0, 4)));
    assertEquals("sentences 4 < 5", v.rejectReason());
    assertEquals(4, v.signals().get("c4_sentences"));
    // sentences are counted within lines, and abbreviations do not end them
    v = apply("Dr. Smith arrived in the U.S. on Monday. He left on Friday. It rained. Then it snowed. The end.");
    assertEquals(5, v.signals().get("c4_sentences"));
    assertNull(v.rejectReason());
  }

  @Test
  void lineRulesDropLinesAndOnlyMeasure() {
    String text = lines(with(GOOD,
        "Menu",                                              // no terminal punctuation
        "Read more...",                                      // ends with an ellipsis
        "Click here.",                                       // fewer than 3 words
        "Please enable JavaScript to view the comments.",    // javascript
        "This site uses cookies to improve your experience.", // policy
        "See " + "x".repeat(1001) + " for details."));       // word longer than 1000 characters
    Verdict v = apply(text);
    assertNull(v.rejectReason());
    assertEquals(11, v.signals().get("c4_lines"));
    assertEquals(5, v.signals().get("c4_kept_lines"));
    assertEquals(2, v.signals().get("c4_dropped_no_terminal_punct_lines"));
    assertEquals(1, v.signals().get("c4_dropped_few_words_lines"));
    assertEquals(1, v.signals().get("c4_dropped_javascript_lines"));
    assertEquals(1, v.signals().get("c4_dropped_policy_lines"));
    assertEquals(1, v.signals().get("c4_dropped_long_word_lines"));
    assertEquals(lines(GOOD), C4QualityFilter.cleanLines(text, DEFAULTS));
    // a word of exactly 1000 characters is allowed
    String longOk = "See " + "x".repeat(1000) + " for details.";
    assertEquals(longOk, C4QualityFilter.cleanLines(longOk, DEFAULTS));
  }

  @Test
  void citationsAreRemovedAndWordsCountedBeforeThat() {
    String text = lines(List.of(
        "  The bridge opened in 1932.[1][citation needed]  ",
        "It was widened in 1970.[12]",
        "Repairs followed. [edit]",   // after removal it ends with a space: dropped, as upstream
        "Short.[3]"));                // two "words" before removal, so dropped
    assertEquals("The bridge opened in 1932.\nIt was widened in 1970.", C4QualityFilter.cleanLines(text, DEFAULTS));
    C4QualityFilter.Settings keepCitations = new C4QualityFilter.Settings(false, true, 5, 3, 1000, true, true, true,
        true);
    assertEquals("", C4QualityFilter.cleanLines("The bridge opened in 1932.[1]", keepCitations),
        "without citation removal the line does not end in punctuation");
  }

  @Test
  void loremIpsumInAKeptLineRemovesTheDocument() {
    Verdict v = apply(lines(with(GOOD, "Lorem Ipsum dolor sit amet, consectetur.")));
    assertEquals("lorem_ipsum in line 6", v.rejectReason());
    assertEquals(1, v.signals().get("c4_lorem_ipsum_lines"));
    // a line that the earlier rules drop never reaches the lorem ipsum rule, as upstream
    assertNull(apply(lines(with(GOOD, "lorem ipsum dolor sit amet"))).rejectReason());
  }

  @Test
  void curlyBracketInAKeptLineRemovesTheDocument() {
    Verdict v = apply(lines(with(GOOD, "Write function f() { return 1; } in your file.")));
    assertEquals("curly_bracket in line 6", v.rejectReason());
    assertEquals(1, v.signals().get("c4_curly_bracket_lines"));
    // the javascript rule comes first: that line is only dropped
    v = apply(lines(with(GOOD, "In JavaScript write function f() { return 1; } instead.")));
    assertNull(v.rejectReason());
    assertEquals(1, v.signals().get("c4_dropped_javascript_lines"));
  }

  @Test
  void cleanLinesKeepsLinesThatOnlyTheDocumentRulesWouldReject() {
    String text = lines(with(GOOD, "Lorem ipsum dolor sit amet, consectetur."));
    assertEquals(text, C4QualityFilter.cleanLines(text, DEFAULTS));
  }

  @Test
  void rulesCanBeDisabled() {
    C4QualityFilter.Settings lenient = new C4QualityFilter.Settings(true, false, -1, -1, -1, false, false, false,
        false);
    Verdict v = new C4QualityFilter(lenient).apply(doc("Menu\nlorem ipsum {"));
    assertNull(v.rejectReason());
    assertEquals(2, v.signals().get("c4_kept_lines"));
    assertThrows(IllegalArgumentException.class,
        () -> new C4QualityFilter.Settings(true, true, -2, 3, 1000, true, true, true, true));
  }

  @Test
  void c4DocumentsPassAndAreAlmostUnchangedByCleanLines() {
    List<String> docs = SharedTestData.c4Documents();
    int kept = 0;
    int unchanged = 0;
    for (String text : docs) {
      if (FILTER.apply(doc(text)).kept()) {
        kept++;
        if (C4QualityFilter.cleanLines(text, DEFAULTS).equals(Words.strip(text))) {
          unchanged++;
        }
      }
    }
    System.out.printf("C4 filter keeps %d of %d c4_demo documents, %d of them unchanged by cleanLines%n", kept,
        docs.size(), unchanged);
    assertTrue(kept >= 0.8 * docs.size(), "kept " + kept);
    assertTrue(unchanged >= 0.9 * kept, "unchanged " + unchanged);
  }
}
