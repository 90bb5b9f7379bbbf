package io.llmforge.pipeline.filter;

import static io.llmforge.pipeline.filter.SharedTestData.doc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.filter.GopherRepetitionFilter.NGramLimit;
import io.llmforge.pipeline.filter.GopherRepetitionFilter.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GopherRepetitionFilterTest {

  private static final GopherRepetitionFilter FILTER = new GopherRepetitionFilter();

  /** The four line/paragraph signals plus one per configured n-gram limit. */
  private static Set<String> expectedSignals(Settings s) {
    Set<String> out = new HashSet<>(Set.of("gopher_rep_dup_para_frac", "gopher_rep_dup_para_char_frac",
        "gopher_rep_dup_line_frac", "gopher_rep_dup_line_char_frac"));
    s.topNGrams().forEach(l -> out.add("gopher_rep_top_" + l.n() + "_gram_char_frac"));
    s.duplicateNGrams().forEach(l -> out.add("gopher_rep_dup_" + l.n() + "_gram_char_frac"));
    return out;
  }

  private static Verdict apply(GopherRepetitionFilter f, String text) {
    Verdict v = f.apply(doc(text));
    assertEquals(expectedSignals(f.settings()), v.signals().keySet(), "all signals, kept or not");
    return v;
  }

  /** Distinct made-up words: no n-gram ever repeats. */
  static String uniqueWords(int n, int seed) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(token(seed * 100_000 + i));
    }
    return String.join(" ", out);
  }

  private static String token(int i) {
    StringBuilder sb = new StringBuilder("w");
    do {
      sb.append((char) ('a' + i % 26));
      i /= 26;
    } while (i > 0);
    return sb.toString();
  }

  /** Settings with every rule disabled except the given overrides. */
  private static Settings only(double dupLine, double dupPara, double dupLineChar, double dupParaChar,
      List<NGramLimit> top, List<NGramLimit> dup) {
    return new Settings(dupLine, dupPara, dupLineChar, dupParaChar, top, dup);
  }

  @Test
  void defaultsAreGopherTableA1() {
    Settings s = Settings.defaults();
    assertEquals(13, expectedSignals(s).size());
    assertEquals(0.3, s.maxDupLineFrac());
    assertEquals(0.3, s.maxDupParaFrac());
    assertEquals(0.2, s.maxDupLineCharFrac());
    assertEquals(0.2, s.maxDupParaCharFrac());
    assertEquals(List.of(new NGramLimit(2, 0.2), new NGramLimit(3, 0.18), new NGramLimit(4, 0.16)), s.topNGrams());
    assertEquals(List.of(new NGramLimit(5, 0.15), new NGramLimit(6, 0.14), new NGramLimit(7, 0.13),
        new NGramLimit(8, 0.12), new NGramLimit(9, 0.11), new NGramLimit(10, 0.10)), s.duplicateNGrams());
    assertEquals("gopher_rep", FILTER.name());
  }

  @Test
  void keepsTextWithoutRepetition() {
    String text = uniqueWords(60, 1) + "\n\n" + uniqueWords(80, 2) + "\n" + uniqueWords(70, 3);
    Verdict v = apply(FILTER, text);
    assertNull(v.rejectReason());
    v.signals().forEach((k, value) -> {
      if (!k.startsWith("gopher_rep_top_")) {
        assertEquals(0.0, value, k);
      }
    });
  }

  @Test
  void duplicateParagraphFractionAtMostThirtyPercent() {
    // 7 long distinct paragraphs and "Short." three times: 2 duplicates of 10 paragraphs... then 3 of 10
    List<String> paras = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      paras.add(uniqueWords(40, i));
    }
    paras.add("Short one.");
    paras.add("Short one.");
    paras.add("Short one.");
    paras.add("Short one.");
    Verdict v = apply(FILTER, String.join("\n\n", paras.subList(0, 10)) + "\n\nAnother short one.");
    assertNull(v.rejectReason());
    assertEquals(2.0 / 11, v.signals().get("gopher_rep_dup_para_frac"), 1e-12);
    String text = String.join("\n\n", paras);
    v = apply(FILTER, text);
    assertEquals(3.0 / 11, v.signals().get("gopher_rep_dup_para_frac"), 1e-12);
    assertNull(v.rejectReason(), "0.27 <= 0.3");
    v = apply(FILTER, text + "\n\nShort one.");
    assertEquals("dup_para_frac 0.3333 > 0.3", v.rejectReason());
    assertEquals(4.0 / 12, v.signals().get("gopher_rep_dup_para_frac"), 1e-12);
  }

  @Test
  void duplicateParagraphCharactersAtMostTwentyPercent() {
    String repeated = uniqueWords(30, 9);
    String text = uniqueWords(200, 1) + "\n\n" + repeated + "\n\n" + uniqueWords(50, 2) + "\n\n" + repeated;
    Verdict v = apply(FILTER, text);
    double expected = (double) repeated.length() / text.length();
    assertEquals(expected, v.signals().get("gopher_rep_dup_para_char_frac"), 1e-12);
    assertTrue(expected < 0.2);
    assertNull(v.rejectReason());
    // the same text against a threshold just below its value
    Settings tight = only(1, 1, 1, expected - 1e-9, List.of(), List.of());
    assertEquals(SignalMap.reason("dup_para_char_frac", expected, ">", expected - 1e-9),
        apply(new GopherRepetitionFilter(tight), text).rejectReason());
    assertNull(apply(new GopherRepetitionFilter(only(1, 1, 1, expected, List.of(), List.of())), text)
        .rejectReason(), "equal to the threshold keeps");
  }

  @Test
  void linesSplitOnNewlineRunsIncludingEmptyEnds() {
    // re.split("\n+", "\nA\nB\n") == ["", "A", "B", ""]: the empty string repeats
    Verdict v = apply(new GopherRepetitionFilter(only(1, 1, 1, 1, List.of(), List.of())), "\nA\nB\n");
    assertEquals(0.25, v.signals().get("gopher_rep_dup_line_frac"), 1e-12);
    assertEquals(0.0, v.signals().get("gopher_rep_dup_line_char_frac"), 1e-12);
  }

  @Test
  void duplicateLineFractionAndCharacters() {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      lines.add(uniqueWords(20, i));
    }
    for (int i = 0; i < 3; i++) {
      lines.add("ok");
    }
    String text = String.join("\n", lines);
    Verdict v = apply(FILTER, text);
    assertEquals(0.2, v.signals().get("gopher_rep_dup_line_frac"), 1e-12);
    assertEquals(4.0 / text.length(), v.signals().get("gopher_rep_dup_line_char_frac"), 1e-12);
    assertNull(v.rejectReason());
    v = apply(FILTER, text + "\nok\nok");
    assertEquals("dup_line_frac 0.3333 > 0.3", v.rejectReason());

    String longLine = uniqueWords(60, 7);
    String text2 = uniqueWords(100, 1) + "\n" + longLine + "\n" + uniqueWords(20, 3) + "\n" + longLine;
    v = apply(FILTER, text2);
    double frac = (double) longLine.length() / text2.length();
    assertTrue(frac > 0.2);
    assertEquals(frac, v.signals().get("gopher_rep_dup_line_char_frac"), 1e-12);
    assertEquals(SignalMap.reason("dup_line_char_frac", frac, ">", 0.2), v.rejectReason());
  }

  @Test
  void topNGramIsTheMostFrequentFirstSeenAndCountsJoiningSpaces() {
    // "aa b" and "ccc ddd" both occur twice; the first seen wins: 4 characters x 2
    String text = "aa b aa b ccc ddd ccc ddd";
    Settings top2 = only(1, 1, 1, 1, List.of(new NGramLimit(2, 1)), List.of());
    Verdict v = apply(new GopherRepetitionFilter(top2), text);
    assertEquals(8.0 / text.length(), v.signals().get("gopher_rep_top_2_gram_char_frac"), 1e-12);
    // with fewer words than n the rule is skipped (signal 0)
    v = apply(FILTER, "one");
    assertEquals(0.0, v.signals().get("gopher_rep_top_4_gram_char_frac"));
  }

  @Test
  void topTwoGramAboveTwentyPercentRejects() {
    String text = uniqueWords(40, 1) + " " + "the cat ".repeat(20) + uniqueWords(40, 2);
    Verdict v = apply(FILTER, text);
    double frac = 7.0 * 20 / text.length();
    assertEquals(frac, v.signals().get("gopher_rep_top_2_gram_char_frac"), 1e-12);
    assertEquals(SignalMap.reason("top_2_gram_char_frac", frac, ">", 0.2), v.rejectReason());
  }

  @Test
  void duplicatedNGramsSkipOverlapsAndCompareConcatenations() {
    // 5 words repeated 3 times: 1st occurrence remembered word by word, 2nd and 3rd counted whole (n words skipped)
    String unit = "alpha beta gamma delta epsilon";
    String text = unit + " " + unit + " " + unit;
    Verdict v = apply(new GopherRepetitionFilter(only(1, 1, 1, 1, List.of(), List.of(new NGramLimit(5, 1)))),
        text);
    assertEquals(2.0 * 26 / text.length(), v.signals().get("gopher_rep_dup_5_gram_char_frac"), 1e-12);
    // upstream joins n-gram words without separator: ["ab", "c"] equals ["a", "bc"]
    String quirk = "ab c a bc";
    v = apply(new GopherRepetitionFilter(only(1, 1, 1, 1, List.of(), List.of(new NGramLimit(2, 1)))), quirk);
    assertEquals(3.0 / quirk.length(), v.signals().get("gopher_rep_dup_2_gram_char_frac"), 1e-12);
  }

  @Test
  void matchesAStraightforwardStringImplementationOnRandomTexts() {
    Random random = new Random(42);
    String[] vocab = {"a", "b", "cc", "ddd", ".", "..", "e", "ff", "the", "of"};
    for (int round = 0; round < 200; round++) {
      int n = random.nextInt(80);
      List<String> words = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        words.add(vocab[random.nextInt(1 + round % vocab.length)]);
      }
      String text = String.join(" ", words);
      if (text.isEmpty()) {
        continue;
      }
      Verdict v = FILTER.apply(doc(text));
      List<String> tokens = Words.words(text);
      for (int k = 2; k <= 4; k++) {
        assertEquals(referenceTop(tokens, k) / (double) text.length(),
            v.signals().get("gopher_rep_top_" + k + "_gram_char_frac"), 1e-12, text);
      }
      for (int k = 5; k <= 10; k++) {
        assertEquals(referenceDuplicates(tokens, k) / (double) text.length(),
            v.signals().get("gopher_rep_dup_" + k + "_gram_char_frac"), 1e-12, text);
      }
    }
  }

  /** datatrove's find_top_duplicate over get_n_grams, with strings. */
  private static long referenceTop(List<String> words, int n) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (int i = 0; i + n <= words.size(); i++) {
      counts.merge(String.join(" ", words.subList(i, i + n)), 1, Integer::sum);
    }
    String best = null;
    int bestCount = 0;
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      if (e.getValue() > bestCount) {
        best = e.getKey();
        bestCount = e.getValue();
      }
    }
    return best == null ? 0 : (long) best.length() * bestCount;
  }

  /** datatrove's find_all_duplicate, with strings. */
  private static long referenceDuplicates(List<String> words, int n) {
    Set<String> seen = new HashSet<>();
    long repeated = 0;
    int idx = 0;
    while (idx < words.size() - n + 1) {
      String gram = String.join("", words.subList(idx, idx + n));
      if (seen.contains(gram)) {
        repeated += gram.length();
        idx += n;
      } else {
        seen.add(gram);
        idx++;
      }
    }
    return repeated;
  }

  @Test
  void emptyTextIsKeptWithZeroSignals() {
    Verdict v = apply(FILTER, "");
    assertNull(v.rejectReason());
    v.signals().values().forEach(x -> assertEquals(0.0, x));
  }

  @Test
  void isLinearInTextLength() {
    Random random = new Random(1);
    StringBuilder sb = new StringBuilder();
    while (sb.length() < 2_000_000) {
      sb.append(token(random.nextInt(50_000))).append(random.nextInt(20) == 0 ? ".\n" : " ");
    }
    String big = sb.toString();
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> FILTER.apply(doc(big)));
  }

  @Test
  void wikipediaArticlesAreNotRepetitive() {
    List<String> articles = SharedTestData.wikiArticles();
    long kept = articles.stream().filter(a -> FILTER.apply(doc(a)).kept()).count();
    System.out.printf("Gopher repetition keeps %d of %d wiki_demo articles%n", kept, articles.size());
    assertEquals(articles.size(), kept);
  }
}
