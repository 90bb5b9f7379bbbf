package io.llmforge.pipeline.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Expected words are spaCy 3.8's blank-English output, which is what datatrove's {@code split_into_words} returns. */
class WordsTest {

  @Test
  void splitsPunctuationOffWordsButKeepsUrlsAndEmailsWhole() {
    assertEquals(List.of("Visit", "https://example.com/a?b=1", ",", "or", "e", "-", "mail", "me", "at",
            "jo@example.org", "!"),
        Words.words("Visit https://example.com/a?b=1, or e-mail me at jo@example.org!"));
  }

  @Test
  void keepsAbbreviationsDecimalsAndEmoticonsAndSplitsClitics() {
    assertEquals(List.of("The", "U.S.", "economy", "grew", "3.5", "%", "in", "2019", "...", "(", "Dr.", "Smith",
            "said", ")", "it", "'s", "\"", "fine", "\"", ":)"),
        Words.words("The U.S. economy grew 3.5% in 2019... (Dr.Smith said) it's \"fine\" :)"));
    assertEquals(List.of("She", "'ll", "say", "we", "'re", "done", ";", "they", "ca", "n't", "."),
        Words.words("She'll say we're done; they can't."));
    assertEquals(List.of("e.g.", "this", ",", "i.e.", "that", "."), Words.words("e.g. this, i.e. that."));
  }

  @Test
  void splitsHyphensUnitsAndCurrencyLikeSpacy() {
    assertEquals(List.of("A", "16", "-", "inch", ",", "10", "km", "run", "costs", "$", "5", "or", "US$", "7", "--",
            "well", "-", "known", "."),
        Words.words("A 16-inch, 10km run costs $5 or US$7 -- well-known."));
    // spaCy only splits "." between a lower-case and an upper-case letter, so ")." + "Next" stays one word
    assertEquals(List.of("It", "works", "(", "really).Next", "one", "starts", "here!And", "this", "."),
        Words.words("It works (really).Next one starts here!And this."));
  }

  @Test
  void lettersOfAnyScriptAreWords() {
    assertEquals(List.of("Москва", "—", "столица", "России", "."), Words.words("Москва — столица России."));
    assertEquals(List.of("Ελλάδα", ",", "Αθήνα"), Words.words("Ελλάδα, Αθήνα"));
    assertTrue(Words.hasLetter("Ωmega"));
    assertTrue(Words.hasLetter("日本"));
    assertFalse(Words.hasLetter("1,234"));
  }

  @Test
  void cjkCharactersAreOneWordEach() {
    // spaCy's English rules would return the whole sentence as one word; we count characters, like WordCount
    assertEquals(List.of("我", "们", "今", "天", "去", "了", "北", "京", "。"), Words.words("我们今天去了北京。"));
    assertEquals(List.of("iPhone", "を", "販", "売", "し", "た"), Words.words("iPhoneを販売した"));
    String paragraph = "自然语言处理是计算机科学领域与人工智能领域中的一个重要方向。".repeat(10);
    assertEquals(paragraph.codePointCount(0, paragraph.length()), Words.words(paragraph).size());
    // Hangul is written with spaces and stays whole
    assertEquals(List.of("한국어", "문장"), Words.words("한국어 문장"));
  }

  @Test
  void wordsAreNeverEmptyNorContainWhitespace() {
    String messy = " \t\u00a0(((hello)))\n\n\u3000world...!!! \u2028 \"quoted\" 'single' #tag @user 100% ";
    for (String w : Words.words(messy)) {
      assertFalse(w.isEmpty());
      assertEquals(w, Words.strip(w), w);
    }
    assertEquals(List.of(), Words.words(" \n\t\u00a0 "));
  }

  @Test
  void wordsOfTheSameTextAreComputedOncePerThread() {
    String text = "The same text, split once.";
    assertSame(Words.words(text), Words.words(text));
    assertThrows(UnsupportedOperationException.class, () -> Words.words(text).add("x"));
  }

  @Test
  void linesFollowPythonSplitlines() {
    assertEquals(List.of("a", "b", "c", "d"), Words.lines("a\r\nb\rc\nd\n"));
    assertEquals(List.of("a", "", "b"), Words.lines("a\n\nb"));
    assertEquals(List.of("a", "b", "c", "d"), Words.lines("a\u2028b\u0085c\u000bd"));
    assertEquals(List.of(), Words.lines(""));
    assertEquals(List.of(""), Words.lines("\n"));
  }

  @Test
  void paragraphsAreSeparatedByEmptyLinesOnly() {
    assertEquals(List.of("a", "b", "c"), Words.paragraphs("\n a\n\nb\n\n\nc \n"));
    assertEquals(List.of("a\n \nb"), Words.paragraphs("a\n \nb"), "a line of spaces does not separate");
    assertEquals(List.of(""), Words.paragraphs("  "));
  }

  @Test
  void newlineRunsKeepEmptyEndsLikeReSplit() {
    assertEquals(List.of("", "a", "b", ""), Words.splitOnNewlineRuns("\na\n\nb\n"));
    assertEquals(List.of("a b"), Words.splitOnNewlineRuns("a b"));
  }

  @Test
  void sentencesEndAtFinalPunctuationNotAtAbbreviations() {
    assertEquals(4, Words.sentenceCount("Mr. Smith went to Washington. He arrived at 3.5 p.m. today! Did he? Yes."));
    assertEquals(1, Words.sentenceCount("The U.S. economy grew 3.5% in 2019."));
    assertEquals(2, Words.sentenceCount("他来了。我们走吧。"));
    assertEquals(0, Words.sentenceCount("   "));
  }

  @Test
  void ngramsJoinWordsWithOneSpace() {
    assertEquals(List.of("a b", "b c"), Words.ngrams(List.of("a", "b", "c"), 2));
    assertEquals(List.of(), Words.ngrams(List.of("a", "b"), 3));
    assertThrows(IllegalArgumentException.class, () -> Words.ngrams(List.of("a"), 0));
  }

  @Test
  void pythonStringHelpers() {
    assertEquals("x y", Words.strip("\u00a0\u3000 x y\u202f\n"), "CPython strips NBSP and ideographic space");
    assertEquals("x ", Words.lstrip("  x "));
    assertEquals(" x", Words.rstrip(" x  "));
    assertEquals(List.of("a", "b"), Words.whitespaceSplit(" a\u00a0\tb "));
    assertEquals(2, Words.count("......", "..."), "non-overlapping");
    assertEquals(2, Words.length("😀x"), "code points, as Python's len");
    assertTrue(Words.isSymbolWord("..."));
    assertTrue(Words.isSymbolWord("—"));
    assertTrue(Words.isSymbolWord("１"), "datatrove's PUNCTUATION contains U+FF11, and so do we");
    assertFalse(Words.isSymbolWord("a."));
    assertTrue(Words.endsWithTerminalPunctuation("Fin。"));
    assertFalse(Words.endsWithTerminalPunctuation("Fin. "));
  }

  @Test
  void staysLinearOnPathologicalInput() {
    String brackets = "(".repeat(200_000) + "x" + ")".repeat(200_000);
    String noSpaces = "ab.".repeat(300_000);
    String longUrlLike = "http://" + "a".repeat(100_000) + ".com/" + "b/".repeat(50_000);
    String noPeriods = "word, ".repeat(400_000);
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      assertEquals(800_000, Words.words(noPeriods).size());
      assertEquals(400_001, Words.words(brackets).size());
      assertFalse(Words.words(noSpaces).isEmpty());
      assertFalse(Words.words(longUrlLike).isEmpty());
    });
  }
}
