package io.llmforge.pipeline.filter;

import static io.llmforge.pipeline.filter.SharedTestData.doc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Our filters against datatrove itself: {@code datatrove-verdicts.tsv} (next to this class) holds, for every document
 * of ../shared/data/text/wiki_demo.txt and c4_demo.jsonl, the number of words and the verdict (rule name or
 * "keep") of datatrove's Gopher quality, Gopher repetition, C4 and FineWeb filters at commit a649de79, run with
 * spaCy 3.8, plus the length of the text datatrove's C4 filter leaves. Every verdict must agree; word counts agree
 * except in documents with Han or kana characters, which we count per character.
 */
class DatatroveParityTest {

  private record Expected(String source, int index, int words, List<String> verdicts, String c4Chars) {}

  private static List<Expected> expected() throws IOException {
    List<Expected> out = new ArrayList<>();
    try (InputStream in = DatatroveParityTest.class.getResourceAsStream("datatrove-verdicts.tsv")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.startsWith("#") || line.isBlank()) {
          continue;
        }
        String[] f = line.split("\t");
        out.add(new Expected(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), List.of(f[3], f[4], f[5], f[6]),
            f[7]));
      }
    }
    return out;
  }

  /** Our reason names the rule first ("word_count 12 < 50"); datatrove's names are mapped to ours in the file. */
  private static String rule(Verdict v) {
    return v.kept() ? "keep" : v.rejectReason().split(" ")[0];
  }

  private static boolean hasCjk(String text) {
    return text.codePoints().anyMatch(TextChars::isCjk);
  }

  @Test
  void sameVerdictsAsDatatroveOnRealDocuments() throws IOException {
    Map<String, List<String>> docs = Map.of("wiki_demo", SharedTestData.wikiArticles(),
        "c4_demo", SharedTestData.c4Documents());
    List<DocumentFilter> filters = List.of(new GopherQualityFilter(), new GopherRepetitionFilter(),
        new C4QualityFilter(), new FineWebQualityFilter());
    List<String> mismatches = new ArrayList<>();
    int checked = 0;
    for (Expected e : expected()) {
      String text = docs.get(e.source()).get(e.index());
      // words differ where we deliberately split Han/kana per character (see WordTokenizer); verdicts may not
      if (!hasCjk(text) && Words.words(text).size() != e.words()) {
        mismatches.add(e.source() + "#" + e.index() + " words " + Words.words(text).size() + " != " + e.words());
      }
      for (int k = 0; k < filters.size(); k++) {
        String ours = rule(filters.get(k).apply(doc(text)));
        if (!ours.equals(e.verdicts().get(k))) {
          mismatches.add(e.source() + "#" + e.index() + " " + filters.get(k).name() + " " + ours + " != "
              + e.verdicts().get(k));
        }
        checked++;
      }
      if (!e.c4Chars().equals("-")) {
        String cleaned = C4QualityFilter.cleanLines(text, C4QualityFilter.Settings.defaults());
        if (cleaned.codePointCount(0, cleaned.length()) != Integer.parseInt(e.c4Chars())) {
          mismatches.add(e.source() + "#" + e.index() + " cleanLines length");
        }
      }
    }
    System.out.printf("datatrove parity: %d verdicts checked, %d mismatches%n", checked, mismatches.size());
    assertTrue(checked >= 4 * 330, "checked " + checked);
    assertEquals(List.of(), mismatches);
  }
}
