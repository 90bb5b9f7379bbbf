package io.llmforge.pipeline.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TextNormalizerTest {

  @Test
  void collapsesSpacesTrimsLinesAndKeepsOneBlankLineBetweenParagraphs() {
    assertEquals("a b\nc\n\nd", TextNormalizer.normalize("  a \t  b  \r\nc\r\n\r\n\r\n\n   d   \n\n"));
  }

  @Test
  void composesToNfc() {
    assertEquals("caf\u00e9", TextNormalizer.normalize("cafe\u0301"));
  }

  @Test
  void keepsEmojiSequencesAndSymbols() {
    String family = "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67"; // man ZWJ woman ZWJ girl
    String text = "Price: 5 € → 10 € © 2024 " + family + " ❤\uFE0F 你好，世界";
    assertEquals(text, TextNormalizer.normalize(text));
  }

  @Test
  void dropsControlInvisibleAndBrokenCharacters() {
    assertEquals("ab c", TextNormalizer.normalize("\uFEFFa\u200Bb\u0000 \uFFFDc\uD800"));
  }

  @Test
  void emptyAndBlankBecomeEmpty() {
    assertEquals("", TextNormalizer.normalize(""));
    assertEquals("", TextNormalizer.normalize(" \n\t\r\n "));
  }

  @Test
  void isIdempotent() {
    String once = TextNormalizer.normalize(" x\u00A0 y\n\n\nz\u2028w ");
    assertEquals(once, TextNormalizer.normalize(once));
    assertEquals("x y\n\nz\nw", once);
  }
}
