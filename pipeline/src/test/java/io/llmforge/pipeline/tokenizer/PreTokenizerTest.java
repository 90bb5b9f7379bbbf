package io.llmforge.pipeline.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PreTokenizerTest {
  private final PreTokenizer gpt4 = new PreTokenizer(PreTokenizer.Kind.GPT4);

  @Test
  void splitsLikeCl100k() {
    assertEquals(List.of("Hello", " world", "'s", " ", " ", "123", "456", "7", "!!\n\n", "  ", " x"),
        gpt4.split("Hello world's  1234567!!\n\n   x"));
    assertEquals(List.of("(word", ")", " don", "'t", " $", "5", ".", "00"), gpt4.split("(word) don't $5.00"));
    assertEquals(List.of("中文字符", "，😀", " \n"), gpt4.split("中文字符，😀 \n"));
  }

  @Test
  void handWrittenScannerEqualsTheRegexOnRandomText() {
    Random random = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      String text = RandomText.next(random, 12);
      List<String> byRegex = new ArrayList<>();
      gpt4.splitWithRegex(text, (s, e) -> byRegex.add(text.substring(s, e)));
      assertEquals(byRegex, gpt4.split(text), () -> "text: " + escape(text));
    }
  }

  @Test
  void handWrittenGpt2ScannerEqualsTheRegexOnRandomText() {
    PreTokenizer gpt2 = new PreTokenizer(PreTokenizer.Kind.GPT2);
    Random random = new Random(8);
    for (int i = 0; i < 20_000; i++) {
      String text = RandomText.next(random, 12);
      List<String> byRegex = new ArrayList<>();
      gpt2.splitWithRegex(text, (s, e) -> byRegex.add(text.substring(s, e)));
      assertEquals(byRegex, gpt2.split(text), () -> "text: " + escape(text));
    }
  }

  @Test
  void piecesCoverTheTextExactly() {
    Random random = new Random(11);
    PreTokenizer gpt2 = new PreTokenizer(PreTokenizer.Kind.GPT2);
    for (int i = 0; i < 2_000; i++) {
      String text = RandomText.next(random, 20);
      assertEquals(text, String.join("", gpt4.split(text)));
      assertEquals(text, String.join("", gpt2.split(text)));
    }
  }

  @Test
  void gpt2PatternKeepsDigitRunsAndSpacePrefixes() {
    PreTokenizer gpt2 = new PreTokenizer(PreTokenizer.Kind.GPT2);
    assertEquals(List.of("I", "'ll", " pay", " 1234567", "!"), gpt2.split("I'll pay 1234567!"));
  }

  private static String escape(String s) {
    StringBuilder sb = new StringBuilder();
    s.codePoints().forEach(cp -> sb.append(cp < 128 && cp >= 32 ? String.valueOf((char) cp) : String.format("\\u{%X}", cp)));
    return sb.toString();
  }
}
