package io.llmforge.pipeline.extract;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeout;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class HtmlExtractorTest {
  private static final HtmlExtractor EXTRACTOR = new HtmlExtractor();

  /** Long enough to count as prose on its own. */
  private static String prose(String start) {
    return start + " carries on for a while, with the sort of ordinary sentence that an article body is"
        + " made of, so that it is clearly more than a label.";
  }

  private static String article(String... paragraphs) {
    StringBuilder sb = new StringBuilder();
    for (String p : paragraphs) {
      sb.append("<p>").append(p).append("</p>\n");
    }
    return sb.toString();
  }

  private static String text(String html) {
    return EXTRACTOR.extract(html, "https://example.com/a").text();
  }

  @Test
  void boilerplateIsRemovedAndTheArticleKept() {
    String html = "<html><head><title>T</title><style>p{color:red}</style>"
        + "<script>var x = 'script text';</script></head><body>"
        + "<header><a href=/>Site name</a> Site tagline in the header</header>"
        + "<nav><ul><li><a href=/a>Home</a></li><li><a href=/b>World</a></li></ul></nav>"
        + "<div class=cookie-banner>We use cookies to improve your experience. Accept all cookies to"
        + " continue browsing this site, which is long enough to look like prose.</div>"
        + "<main><article>"
        + article(prose("First paragraph"), prose("Second paragraph"))
        + "<div class=share-bar><a href=/fb>Share on Facebook</a> Share this story with friends</div>"
        + article(prose("Third paragraph"))
        + "<noscript>Please enable JavaScript to view this page.</noscript>"
        + "<iframe src=/ad>iframe text</iframe><svg><text>svg text</text></svg>"
        + "</article></main>"
        + "<aside>" + prose("Sidebar prose") + "</aside>"
        + "<section class=comments>" + article(prose("A reader comment")) + "</section>"
        + "<div class=related-stories>" + article(prose("A related teaser")) + "</div>"
        + "<form action=/subscribe>Subscribe to our newsletter <input type=email></form>"
        + "<footer>" + prose("Footer legalese") + " © 2024 Example</footer>"
        + "</body></html>";
    String text = text(html);
    assertEquals(String.join("\n\n", prose("First paragraph"), prose("Second paragraph"),
        prose("Third paragraph")), text);
  }

  @Test
  void linkHeavyListsInsideTheArticleAreDropped() {
    String html = "<body><div id=story>"
        + article(prose("Opening paragraph"))
        + "<ul><li><a href=/1>Read more: some other story with a long headline</a></li>"
        + "<li><a href=/2>Another unrelated story that is only a link</a></li></ul>"
        + article(prose("Closing paragraph"))
        + "</div><div><ul>"
        + "<li><a href=/x>Menu item one</a></li><li><a href=/y>Menu item two</a></li>"
        + "</ul></div></body>";
    String text = text(html);
    assertTrue(text.contains("Opening paragraph") && text.contains("Closing paragraph"), text);
    assertFalse(text.contains("Read more") || text.contains("Menu item"), text);
  }

  @Test
  void headingsListsAndParagraphsStaySeparateAndInOrder() {
    String html = "<body><article><h1>The Headline</h1>"
        + article(prose("Intro"))
        + "<h2>A subheading</h2>"
        + article(prose("Section text"))
        + "<ul><li>first item</li><li>second item</li></ul>"
        + "<p>Short closing line.</p>"
        + article(prose("Last words"))
        + "</article></body>";
    // Without a <title> the h1 is the title, so it is not repeated in the text.
    String expected = String.join("\n\n", prose("Intro"), "A subheading",
        prose("Section text"), "first item\nsecond item", "Short closing line.", prose("Last words"));
    assertEquals(expected, text(html));
  }

  @Test
  void theHeadlineRepeatingTheTitleIsTheTitleNotText() {
    String html = "<html><head><title>Big News Today | Example Times</title></head><body><article>"
        + "<h1>Big News Today</h1>" + article(prose("Body")) + "</article></body></html>";
    ExtractedText out = EXTRACTOR.extract(html, null);
    assertEquals("Big News Today | Example Times", out.title());
    assertEquals(prose("Body"), out.text());
  }

  @Test
  void titleFallsBackToOpenGraphThenH1() {
    String og = "<html><head><meta property=og:title content='OG title'></head><body><p>x</p></body>";
    assertEquals("OG title", EXTRACTOR.extract(og, null).title());
    String h1 = "<html><body><h1>  Only   heading </h1><p>x</p></body></html>";
    assertEquals("Only heading", EXTRACTOR.extract(h1, null).title());
  }

  @Test
  void emojiCjkAndSymbolsArePreserved() {
    String p1 = prose("Prices rose 5 € → 7 € © ACME ™, and readers reacted with 😀🎉👍🏽 and ❤️");
    String p2 = "日本語の記事本文です。東京で新しい展示会が開かれ、多くの人が訪れました。展示は来月まで続く予定で、"
        + "主催者は今後も同様の企画を続けたいと話しています。中文内容也应该完整保留，包括标点符号。";
    String html = "<body><div class=entry-content>" + article(p1, p2) + "</div></body>";
    assertEquals(p1 + "\n\n" + p2, text(html));
  }

  @Test
  void entitiesAreDecodedAndWhitespaceCollapsed() {
    String html = "<body><div>"
        + "<p>Fish &amp; chips &eacute;t&eacute; &#x1F600; &lt;tag&gt; and&nbsp;&nbsp;a   long\n\n\t"
        + "stretch of   spaced out words that keeps going until it is long enough to be prose.</p>"
        + "</div></body>";
    assertEquals("Fish & chips été 😀 <tag> and a long stretch of spaced out words that keeps going"
        + " until it is long enough to be prose.", text(html));
  }

  @Test
  void lineBreaksBecomeLinesAndPreformattedTextKeepsIndentation() {
    String html = "<body><article>" + article(prose("Poem intro"))
        + "<p>Roses are red,<br>violets are blue,<br/>this line is the third.</p>"
        + "<pre>def f(x):\n    return x + 1\n</pre>"
        + article(prose("After the code")) + "</article></body>";
    String text = text(html);
    assertTrue(text.contains("Roses are red,\nviolets are blue,\nthis line is the third."), text);
    assertTrue(text.contains("def f(x):\n    return x + 1"), text);
  }

  @Test
  void tableRowsBecomeLines() {
    String html = "<body><article>" + article(prose("Standings below"))
        + "<table><tr><th>Pos</th><th>Driver</th></tr><tr><td>1</td><td>Kyle Busch</td></tr></table>"
        + article(prose("More text")) + "</article></body>";
    String text = text(html);
    assertTrue(text.contains("\n\nPos | Driver\n1 | Kyle Busch\n\n"), text);
  }

  @Test
  void aPageWideFormIsNotThrownAway() {
    String html = "<body><form id=aspnetForm action=/page.aspx>"
        + "<div><a href=/>Home</a> <a href=/news>News</a></div>"
        + article(prose("Real content one"), prose("Real content two"), prose("Real content three"))
        + "</form></body>";
    String text = text(html);
    assertTrue(text.contains("Real content one") && text.contains("Real content three"), text);
  }

  @Test
  void withoutProseFallsBackToBodyTextMinusBoilerplate() {
    String html = "<body><nav><a href=/>Home</a><a href=/x>Other</a></nav>"
        + "<div><p>Opening hours</p><p>Mon-Fri 9-17</p></div>"
        + "<script>tracking()</script><footer>Footer text</footer></body>";
    String text = text(html);
    assertEquals("Opening hours\n\nMon-Fri 9-17", text);
  }

  @Test
  void emptyAndBlankInputGiveEmptyText() {
    assertEquals(new ExtractedText("", ""), EXTRACTOR.extract("", null));
    assertEquals(new ExtractedText("", ""), EXTRACTOR.extract(null, null));
    assertEquals(new ExtractedText("", ""), EXTRACTOR.extract(" \n\t", "https://x"));
    assertEquals("", EXTRACTOR.extract("<html><body></body></html>", null).text());
  }

  @Test
  void brokenHtmlDoesNotThrow() {
    String broken = "<html><body><div><p>" + prose("Unclosed paragraph") + "<p>" + prose("Next one")
        + "</span></div></div></td><b><i>" + prose("Misnested") + "</b></i><!-- unclosed comment"
        + "<table><tr><td>cell";
    String text = assertDoesNotThrow(() -> text(broken));
    assertTrue(text.contains("Unclosed paragraph") && text.contains("Next one"), text);
    for (String s : List.of("<", "<<<>>>", "</p>", "<p", "<!DOCTYPE", "&", "&#xFFFFFFFF;", "<a href='",
        "<script>", "<table><td><table><td>", "\u0000\uFFFF\uD800")) {
      assertNotNull(assertDoesNotThrow(() -> EXTRACTOR.extract(s, "not a url")), s);
    }
  }

  @Test
  void randomTagSoupDoesNotThrow() {
    String[] parts = {"<div>", "</div>", "<p>", "</p>", "<a href=x>", "</a>", "<table>", "<tr>", "<td>",
        "</table>", "<li>", "<ul>", "</ul>", "<br>", "<pre>", "</pre>", "<h1>", "<h2>", "</h2>",
        "<header>", "<form>", "<nav>", "<script>", "</script>", "<div class=share>", "<div class=sidebar>",
        "<article>", "<main>", "<span>", "&amp;", "&#", "<!--", "-->", " ", "\n", "word ", "😀", "漢字",
        "a long piece of running text that could be prose, with commas, and more words ", "<", ">", "\""};
    Random random = new Random(42);
    for (int i = 0; i < 500; i++) {
      StringBuilder sb = new StringBuilder();
      int n = random.nextInt(200);
      for (int j = 0; j < n; j++) {
        sb.append(parts[random.nextInt(parts.length)]);
      }
      String html = sb.toString();
      assertNotNull(assertDoesNotThrow(() -> EXTRACTOR.extract(html, null), html));
    }
  }

  @Test
  void fiftyMegabytePageReturns() {
    String html = syntheticPage(50_000_000);
    ExtractedText out = assertTimeout(Duration.ofSeconds(120), () -> EXTRACTOR.extract(html, null));
    assertFalse(out.text().isEmpty());
  }

  @Test
  void fiftyMegabytePageReturnsWithoutTheInputCap() {
    HtmlExtractor uncapped = new HtmlExtractor(
        HtmlExtractor.Options.defaults().withMaxHtmlChars(Integer.MAX_VALUE));
    String html = syntheticPage(50_000_000);
    ExtractedText out = assertTimeout(Duration.ofSeconds(120), () -> uncapped.extract(html, null));
    assertTrue(out.text().length() > 10_000_000, "the whole page is one big article");
  }

  /** Paragraphs in nested divs with links and class names, repeated up to {@code chars}. */
  private static String syntheticPage(int chars) {
    StringBuilder sb = new StringBuilder(chars + 1000);
    sb.append("<html><head><title>Big</title></head><body><nav><a href=/>Home</a></nav><div id=main>");
    for (int i = 0; sb.length() < chars; i++) {
      sb.append("<div class=\"c").append(i % 7).append("\"><p>Paragraph ").append(i)
          .append(" with some prose text, commas, and a <a href=\"/x\">link</a> to be realistic enough.")
          .append("</p></div>\n");
    }
    return sb.append("</div></body></html>").toString();
  }

  @Test
  void truncationNeverSplitsASurrogatePair() {
    assertEquals("ab", HtmlExtractor.truncate("ab😀", 3));
    assertEquals("ab😀", HtmlExtractor.truncate("ab😀c", 4));
    assertEquals("abc", HtmlExtractor.truncate("abc", 10));
  }

  @Test
  void concurrentUseGivesTheSameResultsAsSequentialUse() throws Exception {
    List<String> pages = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      pages.add("<body><div class=post-" + i + ">" + article(prose("Page " + i + " first"),
          prose("Page " + i + " second")) + "</div><ul><li><a href=/>link " + i + "</a></ul></body>");
    }
    List<String> expected = new ArrayList<>();
    for (String p : pages) {
      expected.add(text(p));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> futures = new ArrayList<>();
      for (int round = 0; round < 5; round++) {
        for (String p : pages) {
          futures.add(pool.submit(() -> text(p)));
        }
      }
      for (int i = 0; i < futures.size(); i++) {
        assertEquals(expected.get(i % pages.size()), futures.get(i).get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void extractorSurvivesJavaSerialization() throws Exception {
    HtmlExtractor custom = new HtmlExtractor(new HtmlExtractor.Options(60, 0.4, 1.5, 0.3, 1.0, 0.6, 1000));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(custom);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      HtmlExtractor copy = (HtmlExtractor) in.readObject();
      assertEquals(custom.options(), copy.options());
      String page = "<body>" + article(prose("Serialized")) + "</body>";
      assertEquals(custom.extract(page, null), copy.extract(page, null));
    }
  }

  @Test
  void invalidOptionsAreRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> new HtmlExtractor.Options(0, 0.5, 1, 0.5, 2, 0.5, 100));
    assertThrows(IllegalArgumentException.class,
        () -> new HtmlExtractor.Options(80, 1.5, 1, 0.5, 2, 0.5, 100));
    assertThrows(IllegalArgumentException.class,
        () -> new HtmlExtractor.Options(80, 0.5, Double.NaN, 0.5, 2, 0.5, 100));
    assertThrows(IllegalArgumentException.class,
        () -> new HtmlExtractor.Options(80, 0.5, 1, 0.5, 2, 0, 100));
    assertThrows(IllegalArgumentException.class,
        () -> new HtmlExtractor.Options(80, 0.5, 1, 0.5, 2, 0.5, 0));
  }
}
