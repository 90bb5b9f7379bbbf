package io.llmforge.dedup;

import io.llmforge.pipeline.demo.SyntheticText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/** Texts for tests: generated English (always available) or the shared real texts (tests skip without them). */
final class TestCorpora {
  private TestCorpora() {}

  /** {@code n} generated articles, for tests that must run without ../shared/data. */
  static List<TextCorpora.Text> synthetic(int n, long seed) {
    SyntheticText generator = new SyntheticText(seed);
    List<TextCorpora.Text> texts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      texts.add(new TextCorpora.Text("synthetic", generator.article(3).text()));
    }
    return texts;
  }

  /** The shared {@code text/} folder; skips the calling test when it is absent. */
  static Path realTextDir() {
    Path dir = TextCorpora.sharedData().resolve("text");
    Assumptions.assumeTrue(Files.isDirectory(dir), dir + " absent: real-text dedup tests need ../shared/data");
    return dir;
  }
}
