package io.llmforge.pipeline.filter;

import static io.llmforge.pipeline.filter.SharedTestData.doc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GopherQualityFilterTest {

  private static final GopherQualityFilter FILTER = new GopherQualityFilter();
  private static final Set<String> SIGNALS = Set.of("gopher_word_count", "gopher_mean_word_length",
      "gopher_hash_ratio", "gopher_ellipsis_ratio", "gopher_bullet_lines_ratio", "gopher_ellipsis_lines_ratio",
      "gopher_alpha_words_ratio", "gopher_stop_words");

  /** {@code n} words cycling through {@code cycle}, separated by single spaces. */
  static String words(int n, String... cycle) {
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(cycle[i % cycle.length]);
    }
    return String.join(" ", out);
  }

  private static Verdict apply(String text) {
    Verdict v = FILTER.apply(doc(text));
    assertEquals(SIGNALS, v.signals().keySet(), "all signals, kept or not");
    return v;
  }

  private static void assertKept(Verdict v) {
    assertNull(v.rejectReason(), () -> "expected keep, got " + v.rejectReason() + " " + v.signals());
  }

  @Test
  void defaultsAreGophersPublishedThresholds() {
    GopherQualityFilter.Settings s = GopherQualityFilter.Settings.defaults();
    assertEquals(50, s.minWords());
    assertEquals(100_000, s.maxWords());
    assertEquals(3, s.minMeanWordLength());
    assertEquals(10, s.maxMeanWordLength());
    assertEquals(0.1, s.maxSymbolWordRatio());
    assertEquals(0.9, s.maxBulletLinesRatio());
    assertEquals(0.3, s.maxEllipsisLinesRatio());
    assertEquals(0.8, s.minAlphaWordsRatio());
    assertEquals(2, s.minStopWords());
    assertEquals(Set.of("the", "be", "to", "of", "and", "that", "have", "with"), s.stopWords());
    assertEquals("gopher", FILTER.name());
  }

  @Test
  void keepsOrdinaryProse() {
    Verdict v = apply("The committee met on Tuesday to discuss the budget for the coming year. Members agreed "
        + "that the library and the swimming pool should be renovated first, with the remaining funds set aside "
        + "for road repairs. A final vote is expected next month, after residents have had a chance to comment on "
        + "the proposal at two public meetings in the town hall.");
    assertKept(v);
    assertEquals(61, v.signals().get("gopher_word_count"));
    assertTrue(v.signals().get("gopher_stop_words") >= 5);
  }

  @Test
  void wordCountRangeIsFiftyToOneHundredThousand() {
    String[] cycle = {"the", "house", "and", "garden", "with", "trees"};
    assertKept(apply(words(50, cycle)));
    Verdict v = apply(words(49, cycle));
    assertEquals("word_count 49 < 50", v.rejectReason());
    assertEquals(49, v.signals().get("gopher_word_count"));

    assertKept(apply(words(100_000, cycle)));
    assertEquals("word_count 100001 > 100000", apply(words(100_001, cycle)).rejectReason());
  }

  @Test
  void punctuationTokensAreNotCountedAsWords() {
    String text = words(49, "the", "house", "and", "garden") + " , . ; !!";
    Verdict v = apply(text);
    assertEquals("word_count 49 < 50", v.rejectReason());
  }

  @Test
  void meanWordLengthBetweenThreeAndTen() {
    // 25 x "of" + 25 x "with": (50 + 100) / 50 = 3.0 exactly
    String atMin = words(25, "of") + " " + words(25, "with");
    Verdict v = apply(atMin);
    assertKept(v);
    assertEquals(3.0, v.signals().get("gopher_mean_word_length"), 1e-12);
    String below = words(26, "of") + " " + words(24, "with"); // 148 / 50
    v = apply(below);
    assertEquals("mean_word_length 2.96 < 3", v.rejectReason());
    assertEquals(2.96, v.signals().get("gopher_mean_word_length"), 1e-12);

    // "the" + "with" + 13 x 11 letters + 35 x 10 letters = 500 characters in 50 words
    String atMax = "the with " + words(13, "abcdefghijk") + " " + words(35, "abcdefghij");
    v = apply(atMax);
    assertKept(v);
    assertEquals(10.0, v.signals().get("gopher_mean_word_length"), 1e-12);
    v = apply(atMax + "x");
    assertEquals("mean_word_length 10.02 > 10", v.rejectReason());
  }

  @Test
  void hashesPerWordAtMostOneTenth() {
    // ratio is over all tokens: 54 words + 6 "#" = 60 tokens -> exactly 0.1
    String base = words(54, "the", "garden", "and", "house");
    Verdict v = apply(base + " # # # # # #");
    assertKept(v);
    assertEquals(0.1, v.signals().get("gopher_hash_ratio"), 1e-12);
    v = apply(base + " # # # # # # #");
    assertEquals("hash_ratio 0.1148 > 0.1", v.rejectReason());
    assertEquals(7.0 / 61, v.signals().get("gopher_hash_ratio"), 1e-12);
  }

  @Test
  void ellipsesPerWordAtMostOneTenth() {
    String base = words(54, "the", "garden", "and", "house");
    assertKept(apply(base + " … … … ... ... ... end"));
    Verdict v = apply(base + " … … … ... ... ... ... end");
    assertEquals("ellipsis_ratio 0.1129 > 0.1", v.rejectReason());
    assertEquals(7.0 / 62, v.signals().get("gopher_ellipsis_ratio"), 1e-12);
  }

  @Test
  void atMostNinetyPercentBulletLines() {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      lines.add((i < 9 ? "  - " : "") + "the garden and the house line " + (char) ('a' + i));
    }
    Verdict v = apply(String.join("\n", lines));
    assertKept(v);
    assertEquals(0.9, v.signals().get("gopher_bullet_lines_ratio"), 1e-12);
    lines.set(9, "• " + lines.get(9));
    v = apply(String.join("\n", lines));
    assertEquals("bullet_lines_ratio 1 > 0.9", v.rejectReason());
  }

  @Test
  void atMostThirtyPercentLinesEndingWithAnEllipsis() {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      lines.add("the garden and the house with trees line" + (i < 3 ? " and so on…  " : " ends here"));
    }
    Verdict v = apply(String.join("\n", lines));
    assertKept(v);
    assertEquals(0.3, v.signals().get("gopher_ellipsis_lines_ratio"), 1e-12);
    lines.set(5, lines.get(5) + "...");
    v = apply(String.join("\n", lines));
    assertEquals("ellipsis_lines_ratio 0.4 > 0.3", v.rejectReason());
  }

  @Test
  void atLeastEightyPercentOfWordsHaveALetter() {
    String base = words(50, "the", "garden", "and", "house");
    Verdict v = apply(base + " " + words(12, "123"));
    assertKept(v);
    assertEquals(50.0 / 62, v.signals().get("gopher_alpha_words_ratio"), 1e-12);
    v = apply(base + " " + words(13, "123"));
    assertEquals("alpha_words_ratio 0.7937 < 0.8", v.rejectReason());
  }

  @Test
  void needsTwoDistinctLowerCaseStopWords() {
    Verdict v = apply(words(60, "the", "garden", "house", "tree"));
    assertEquals("stop_words 1 < 2", v.rejectReason());
    assertEquals(1, v.signals().get("gopher_stop_words"));
    v = apply(words(60, "The", "And", "garden", "house", "tree"));
    assertEquals("stop_words 0 < 2", v.rejectReason(), "case-sensitive, as upstream");
    assertKept(apply(words(60, "the", "garden", "house", "tree", "of")));
  }

  @Test
  void lettersOfAnyScriptCount() {
    String russian = words(60, "Москва", "является", "столицей", "России", "и", "крупнейшим", "городом");
    Verdict v = apply(russian);
    assertEquals(1.0, v.signals().get("gopher_alpha_words_ratio"));
    assertEquals("stop_words 0 < 2", v.rejectReason(), "English stop words: run after the language filter");
  }

  @Test
  void chineseIsMeasuredPerCharacterNotAsOneWord() {
    String zh = "自然语言处理是计算机科学领域与人工智能领域中的一个重要方向。".repeat(5);
    Verdict v = apply(zh);
    assertEquals(145, v.signals().get("gopher_word_count"));
    assertEquals("mean_word_length 1 < 3", v.rejectReason());
  }

  @Test
  void emptyTextIsRejectedWithZeroSignals() {
    Verdict v = apply("");
    assertEquals("word_count 0 < 50", v.rejectReason());
    assertEquals(Collections.nCopies(SIGNALS.size(), 0.0), List.copyOf(v.signals().values()));
  }

  @Test
  void settingsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> new GopherQualityFilter.Settings(
        100, 50, 3, 10, 0.1, 0.9, 0.3, 0.8, 2, Set.of()));
    assertThrows(IllegalArgumentException.class, () -> new GopherQualityFilter.Settings(
        50, 100, 3, 2, 0.1, 0.9, 0.3, 0.8, 2, Set.of()));
    assertThrows(IllegalArgumentException.class, () -> new GopherQualityFilter.Settings(
        50, 100, 3, 10, -0.1, 0.9, 0.3, 0.8, 2, Set.of()));
  }

  @Test
  void mostWikipediaArticlesPass() {
    List<String> articles = SharedTestData.wikiArticles();
    long kept = articles.stream().filter(a -> FILTER.apply(doc(a)).kept()).count();
    System.out.printf("Gopher quality keeps %d of %d wiki_demo articles%n", kept, articles.size());
    assertEquals(30, articles.size());
    assertTrue(kept >= 0.8 * articles.size(), "kept " + kept);
  }
}
