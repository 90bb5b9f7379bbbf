package io.llmforge.pipeline.clean;

import static io.llmforge.pipeline.spark.DocumentSchema.INPUT_KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.document.Document;
import io.llmforge.pipeline.document.Outcome;
import io.llmforge.pipeline.spark.DocumentSchema;
import io.llmforge.pipeline.spark.TestSpark;
import io.llmforge.pipeline.text.ContentHash;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The paragraph dedup stage on hand-built documents: five articles sharing a cookie line and a share line, two of
 * them a quoted line, one a page that is nothing but boilerplate, and a reject that must pass through.
 */
class ParagraphDedupTest {
  static final String COOKIES = "We use cookies to improve your experience on this site.";
  static final String SHARE = "Share this article with your friends";
  static final String QUOTE = "The minister said the bridge would reopen in the spring.";
  static final Instant T0 = Instant.parse("2024-03-01T00:00:00Z");

  static SparkSession spark;
  static Dataset<Row> input;

  @BeforeAll
  static void documents() {
    spark = TestSpark.session();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      // Article i is captured on day 5 - i: article 4 is the earliest, so keep-first keeps the shared lines there.
      String text = "Story " + i + " about the harbour, told in full. " + words("harbour" + (char) ('a' + i), 60) + "\n"
          + (i % 2 == 0 ? "Share this ARTICLE with your friends!" : SHARE) + "\n\n"
          + (i < 2 ? QUOTE + "\n\n" : "")
          + "Cookies: " + COOKIES.replace("We use", "we use");
      rows.add(row(Outcome.kept(doc("https://news.example/" + i, T0.plusSeconds(86_400L * (5 - i)), text)), i));
    }
    rows.add(row(Outcome.kept(doc("https://news.example/empty", T0.plusSeconds(86_400L * 9),
        "Short note.\n" + SHARE + "\nCookies: " + COOKIES)), 5));
    rows.add(row(Outcome.rejected(doc("https://spam.example/", T0, SHARE + "\n" + COOKIES), "gopher", "too_short"),
        6));
    input = spark.createDataFrame(rows, DocumentSchema.OUTCOMES).cache();
  }

  /** Distinct words without digits (paragraph keys fold every digit to 0). */
  static String words(String seed, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(seed).append((char) ('a' + i / 26)).append((char) ('a' + i % 26)).append(i % 12 == 11 ? ". " : " ");
    }
    return sb.toString().strip();
  }

  static Document doc(String url, Instant date, String text) {
    String sha1 = ContentHash.contentSha1(text);
    return Document.of(url, date, "test", text).withLanguage("en", 0.99f)
        .withIdentity(ContentHash.docId(url, sha1), sha1, WordCount.of(text)).withSignals(Map.of("gopher_words", 1.0));
  }

  static Row row(Outcome outcome, int i) {
    return DocumentSchema.outcomeRow(outcome, "test#" + i);
  }

  static Map<String, Row> byKey(Dataset<Row> rows) {
    Map<String, Row> out = new HashMap<>();
    for (Row r : rows.collectAsList()) {
      out.put(r.getAs(INPUT_KEY), r);
    }
    return out;
  }

  static ParagraphDedupSettings settings(ParagraphDedupPolicy policy) {
    return new ParagraphDedupSettings(true, DedupUnit.LINE, 2, policy, 20);
  }

  @Test
  void keepFirstLeavesRepeatedLinesInTheEarliestDocumentOnly() {
    try (ParagraphDedup stage = ParagraphDedup.apply(input, settings(ParagraphDedupPolicy.KEEP_FIRST))) {
      Dataset<Row> out = stage.outcomes().cache();
      Map<String, Row> rows = byKey(out);
      assertEquals(input.count(), out.count(), "one row per input row");
      String first = rows.get("test#4").getAs("text");
      assertTrue(first.contains(COOKIES.substring(7)) && first.contains("Share this ARTICLE"),
          "the earliest capture keeps the shared lines: " + first);
      for (int i = 0; i < 4; i++) {
        Row r = rows.get("test#" + i);
        String text = r.getAs("text");
        assertNull(r.getAs("reject_stage"), String.valueOf(r.<String>getAs("reject_reason")));
        assertFalse(text.toLowerCase().contains("cookies") || text.toLowerCase().contains("share this"), text);
        assertTrue(text.startsWith("Story " + i), text);
        assertEquals(ContentHash.contentSha1(text), r.getAs("content_sha1"), "identity follows the new text");
        assertEquals(text.length(), (int) r.<Integer>getAs("num_chars"));
        assertEquals(WordCount.of(text), (int) r.<Integer>getAs("num_words"));
        assertEquals(2.0, r.<String, Double>getJavaMap(r.fieldIndex("quality_signals")).get(ParagraphDedup.REMOVED_UNITS));
      }
      assertTrue(rows.get("test#0").<String>getAs("text").contains(QUOTE)
          && rows.get("test#1").<String>getAs("text").contains(QUOTE), "a line in 2 documents is not over the limit");
      Row empty = rows.get("test#5");
      assertEquals(Stage.PARAGRAPH_DEDUP, empty.getAs("reject_stage"));
      assertTrue(empty.<String>getAs("reject_reason").startsWith("too_short_after_paragraph_dedup: 2 words < 20"),
          empty.<String>getAs("reject_reason"));
      assertTrue(empty.<String>getAs("text").contains(SHARE), "a reject keeps its original text");
      Row spam = rows.get("test#6");
      assertEquals("gopher", spam.getAs("reject_stage"), "earlier rejects pass through");
      assertFalse(spam.getJavaMap(spam.fieldIndex("quality_signals")).containsKey(ParagraphDedup.UNITS));

      Map<String, Object> stats = stage.stats(out);
      assertEquals(6L, stats.get("documents_in"));
      assertEquals(2L, stats.get("repeated_units"), "the cookie and share lines; the quote is in 2 documents only");
      assertEquals(10L, stats.get("units_removed"), "2 lines from 4 articles, 2 from the boilerplate page");
      assertEquals(5L, stats.get("documents_changed"));
      assertEquals(1L, stats.get("documents_rejected"));
      assertEquals(4L + 4 + 3 + 3 + 3 + 3, stats.get("units"), "story, share, quote (two articles), cookies");
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> top = (List<Map<String, Object>>) stats.get("most_repeated");
      assertEquals(List.of(6L, 6L), top.stream().map(m -> m.get("documents")).toList());
      assertEquals(Set.of("Cookies: " + COOKIES, "Share this ARTICLE with your friends!"),
          Set.copyOf(top.stream().map(m -> m.get("text")).toList()), "each with one of its spellings");
      out.unpersist();
    }
  }

  @Test
  void dropAllRemovesRepeatedLinesEverywhere() {
    try (ParagraphDedup stage = ParagraphDedup.apply(input, settings(ParagraphDedupPolicy.DROP_ALL))) {
      Map<String, Row> rows = byKey(stage.outcomes());
      for (int i = 0; i < 5; i++) {
        String text = rows.get("test#" + i).getAs("text");
        assertFalse(text.toLowerCase().contains("cookies"), text);
      }
      assertEquals(7, rows.size());
    }
  }
}
