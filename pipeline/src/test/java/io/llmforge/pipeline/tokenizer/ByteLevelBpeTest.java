package io.llmforge.pipeline.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ByteLevelBpeTest {
  static ByteLevelBpe tokenizer;

  @BeforeAll
  static void train() {
    List<String> texts = new ArrayList<>();
    Random random = new Random(3);
    for (int i = 0; i < 3_000; i++) {
      texts.add(RandomText.next(random, 30));
    }
    texts.add("The quick brown fox jumps over the lazy dog. ".repeat(50));
    tokenizer = new BpeTrainer(PreTokenizer.Kind.GPT4, SpecialTokens.ALL, 1_000, 2).trainOnText(texts).tokenizer();
  }

  @Test
  void roundTripIsExactOnRandomUnicode() {
    Random random = new Random(5);
    for (int i = 0; i < 5_000; i++) {
      String text = RandomText.next(random, 40);
      int[] ids = tokenizer.encode(text);
      assertEquals(text, tokenizer.decode(ids));
    }
  }

  @Test
  void roundTripOnEmojiCjkAndCombiningMarks() {
    String text = "👨‍👩‍👧 family, 🇫🇷 flag, 👍🏽, 中文字符 and かな, e\u0301 vs é, 𝄞 clef, Ω≈ç√∫ ﬁ\r\n\t\u3000end";
    assertEquals(text, tokenizer.decode(tokenizer.encode(text)));
    assertEquals("", tokenizer.decode(tokenizer.encode("")));
  }

  @Test
  void mergesCompressRepeatedText() {
    String text = "The quick brown fox jumps over the lazy dog.";
    int[] ids = tokenizer.encode(text);
    assertTrue(ids.length <= 12, "trained on this sentence, it should be a few tokens: " + ids.length);
    assertEquals(text, tokenizer.decode(ids));
  }

  @Test
  void specialTokensAreAtomicOnlyWhenAllowed() {
    String text = "a<|endoftext|>b<|user|>";
    int[] plain = tokenizer.encode(text);
    for (int id : plain) {
      assertFalse(tokenizer.isSpecial(id), "special strings in ordinary text are text");
    }
    int[] special = tokenizer.encodeWithSpecials(text);
    assertEquals(List.of(tokenizer.endOfTextId(), tokenizer.specialId(SpecialTokens.USER)),
        Arrays.stream(special).filter(tokenizer::isSpecial).boxed().toList());
    assertEquals(text, tokenizer.decode(special));
    assertEquals(text, tokenizer.decode(plain));
    assertEquals(0, tokenizer.endOfTextId());
    assertEquals(List.of(0, 1, 2, 3, 4, 5), SpecialTokens.ALL.stream().map(tokenizer::specialId).toList());
  }

  @Test
  void heapMergeEqualsQuadraticMerge() {
    Random random = new Random(9);
    for (int i = 0; i < 2_000; i++) {
      byte[] bytes = RandomText.next(random, 30).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      int[] a = new int[bytes.length];
      for (int k = 0; k < bytes.length; k++) {
        a[k] = 6 + (bytes[k] & 0xFF);
      }
      int[] b = a.clone();
      int na = tokenizer.mergeShort(a);
      int nb = tokenizer.mergeLong(b);
      assertArrayEquals(Arrays.copyOf(a, na), Arrays.copyOf(b, nb));
    }
  }

  @Test
  void longPiecesEncodeWithoutQuadraticBlowUp() {
    String longWord = "ab".repeat(200_000);
    int[] ids = tokenizer.encode(longWord);
    assertEquals(longWord, tokenizer.decode(ids));
  }

  @Test
  void unknownIdsAreRefused() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> tokenizer.decode(new int[] {tokenizer.vocabSize()}));
  }
}
