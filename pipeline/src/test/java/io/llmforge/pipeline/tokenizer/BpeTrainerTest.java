package io.llmforge.pipeline.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BpeTrainerTest {
  private static final List<String> NO_SPECIALS = List.of();

  @Test
  void learnsTheMostFrequentPairFirst() {
    Map<String, Long> counts = Map.of("hug", 10L, "pug", 5L, "pun", 12L, "bun", 4L, "hugs", 5L);
    BpeTrainer.Result r = new BpeTrainer(PreTokenizer.Kind.GPT4, NO_SPECIALS, 256 + 3, 1).train(counts);
    ByteLevelBpe t = r.tokenizer();
    assertEquals(3, r.merges());
    // The Hugging Face course example: "ug" (20), then "un" (16), then "hug" (15).
    assertEquals("ug", t.spelling(256));
    assertEquals("un", t.spelling(257));
    assertEquals("hug", t.spelling(258));
    assertEquals(List.of("hug", "s"), t.explain("hugs").get(0));
  }

  @Test
  void stopsAtMinFrequencyAndVocabSize() {
    Map<String, Long> counts = Map.of("aaaa", 3L, "bb", 1L);
    BpeTrainer.Result r = new BpeTrainer(PreTokenizer.Kind.GPT4, SpecialTokens.ALL, 1_000, 2).train(counts);
    assertTrue(r.stoppedByMinFrequency());
    assertEquals(2, r.merges(), "aa (9 pairs counted), then aaaa (3)");
    assertEquals(6 + 256 + 2, r.tokenizer().vocabSize());
    assertThrows(IllegalArgumentException.class, () -> new BpeTrainer(PreTokenizer.Kind.GPT4, SpecialTokens.ALL, 100, 1));
  }

  @Test
  void resultDoesNotDependOnTheOrderOfTheCounts() {
    Map<String, Long> counts = new LinkedHashMap<>();
    java.util.Random random = new java.util.Random(1);
    for (int i = 0; i < 2_000; i++) {
      counts.merge(RandomText.next(random, 3), 1L + random.nextInt(5), Long::sum);
    }
    List<Map.Entry<String, Long>> shuffled = new ArrayList<>(counts.entrySet());
    Collections.shuffle(shuffled, new java.util.Random(2));
    Map<String, Long> reordered = new LinkedHashMap<>();
    shuffled.forEach(e -> reordered.put(e.getKey(), e.getValue()));
    BpeTrainer trainer = new BpeTrainer(PreTokenizer.Kind.GPT4, SpecialTokens.ALL, 900, 1);
    assertEquals(trainer.train(counts).tokenizer().fingerprint(), trainer.train(reordered).tokenizer().fingerprint());
  }

  @Test
  void encodingTrainingWordsReproducesTheLearnedTokens() {
    Map<String, Long> counts = Map.of(" lower", 5L, " lowest", 2L, " newer", 6L, " wider", 3L, " new", 2L);
    ByteLevelBpe t = new BpeTrainer(PreTokenizer.Kind.GPT4, NO_SPECIALS, 256 + 20, 1).train(counts).tokenizer();
    assertArrayEquals(new int[] {t.vocabSize() - 1}, lastTokenOf(t), "the last merge is a whole frequent word");
  }

  private static int[] lastTokenOf(ByteLevelBpe t) {
    String word = new String(t.tokenBytes(t.vocabSize() - 1), java.nio.charset.StandardCharsets.UTF_8);
    return t.encode(word);
  }

  @Test
  void mergeWordIsLeftToRightAndNonOverlapping() {
    assertArrayEquals(new int[] {9, 9, 1}, BpeTrainer.mergeWord(new int[] {1, 1, 1, 1, 1}, 1, 1, 9));
    int[] unchanged = {1, 2};
    assertTrue(unchanged == BpeTrainer.mergeWord(unchanged, 2, 1, 9));
  }
}
