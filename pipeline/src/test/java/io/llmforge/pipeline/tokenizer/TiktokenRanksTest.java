package io.llmforge.pipeline.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TiktokenRanksTest {
  /** A vocabulary written as tiktoken ranks (merges thrown away) comes back encoding exactly as before. */
  @Test
  void ranksAloneRecoverTheMerges() throws Exception {
    List<String> texts = new ArrayList<>();
    Random random = new Random(31);
    for (int i = 0; i < 800; i++) {
      texts.add(RandomText.next(random, 20));
    }
    ByteLevelBpe trained = new BpeTrainer(PreTokenizer.Kind.GPT4, List.of(), 600, 2).trainOnText(texts).tokenizer();
    StringBuilder file = new StringBuilder();
    for (int id = 0; id < trained.vocabSize(); id++) {
      file.append(Base64.getEncoder().encodeToString(trained.tokenBytes(id))).append(' ').append(id).append('\n');
    }
    ByteLevelBpe back = TiktokenRanks.read(new ByteArrayInputStream(file.toString().getBytes(StandardCharsets.US_ASCII)),
        PreTokenizer.Kind.GPT4, Map.of());
    for (String text : texts) {
      assertArrayEquals(trained.encode(text), back.encode(text));
    }
  }
}
