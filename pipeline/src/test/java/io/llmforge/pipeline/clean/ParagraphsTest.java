package io.llmforge.pipeline.clean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Paragraph dedup's keys and stripping, without Spark. */
class ParagraphsTest {

  private static long key(String unit) {
    return ParagraphKey.hash(ParagraphKey.normalize(unit));
  }

  @Test
  void normalisationFoldsCaseDigitsPunctuationAndSpacing() {
    assertEquals("0000 daily harbour all rights reserved",
        ParagraphKey.normalize("© 2024 Daily Harbour. All rights reserved."));
    assertEquals(key("© 2024 Daily Harbour. All rights reserved."),
        key("  © 2023 DAILY   HARBOUR - all rights reserved!"), "a footer that only changes its year is one key");
    assertEquals("share this article on facebook", ParagraphKey.normalize("Share this article on Facebook →"));
    assertEquals("email us", ParagraphKey.normalize("E-mail us"), "punctuation leaves no gap, as in CCNet");
    assertEquals("crème brûlée 0", ParagraphKey.normalize("Crème Brûlée: ٣"), "letters keep accents, any digit is 0");
    assertEquals("", ParagraphKey.normalize("*** | — · 😀"), "nothing but symbols: no key");
    assertNotEquals(key("We use cookies."), key("We use biscuits."));
  }

  @Test
  void keysAreDistinctPerDocumentAndSkipEmptyUnits() {
    String text = "Share this article\nFirst line of the story.\n\n---\n\nShare this article!\nLast line.";
    long[] keys = Paragraphs.keys(text, DedupUnit.LINE);
    assertArrayEquals(new long[] {key("Share this article"), key("First line of the story."), key("Last line.")}, keys,
        "a line repeated inside one document counts once; the rule line has no key");
    assertEquals(2, Paragraphs.keys(text, DedupUnit.PARAGRAPH).length, "two paragraphs with text; the rule has none");
  }

  @Test
  void strippingLinesKeepsTheParagraphShape() {
    String text = "Breaking: the bridge reopens.\nShare this article\n\nWe use cookies to improve your experience.\n\n"
        + "The council voted on Tuesday.\nShare this article";
    Set<Long> remove = Set.of(key("share this article"), key("We use cookies to improve your experience"));
    Paragraphs.Stripped s = Paragraphs.strip(text, DedupUnit.LINE, remove::contains);
    assertEquals("Breaking: the bridge reopens.\n\nThe council voted on Tuesday.", s.text(),
        "lines go, a paragraph left empty goes with its blank line");
    assertEquals(5, s.units());
    assertEquals(3, s.removedUnits(), "a repeated line is removed every time it occurs");
    assertEquals(2 * "Share this article".length() + "We use cookies to improve your experience.".length(),
        s.removedChars());
  }

  @Test
  void strippingParagraphsRemovesWholeParagraphsOnly() {
    String text = "Subscribe to our newsletter\nfor weekly news.\n\nThe story itself.\n\nSubscribe to our newsletter";
    long whole = key("Subscribe to our newsletter\nfor weekly news.");
    Paragraphs.Stripped s = Paragraphs.strip(text, DedupUnit.PARAGRAPH, k -> k == whole);
    assertEquals("The story itself.\n\nSubscribe to our newsletter", s.text(),
        "the one-line paragraph is another unit than the two-line one");
    assertEquals(3, s.units());
    assertEquals(1, s.removedUnits());
  }

  @Test
  void nothingToRemoveReturnsTheSameText() {
    String text = "One.\n\nTwo.";
    Paragraphs.Stripped s = Paragraphs.strip(text, DedupUnit.LINE, k -> false);
    assertSame(text, s.text());
    assertEquals(new Paragraphs.Stripped(text, 2, 0, 0), s);
  }
}
