package io.llmforge.quality;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** ../shared/data (real third-party data); tests that need it skip where it is absent. */
final class SharedData {
  private SharedData() {}

  static Path require(String child) {
    String configured = System.getProperty("llmforge.shared.data");
    Path root = configured != null ? Path.of(configured) : Path.of("../shared/data");
    Path p = root.resolve(child);
    assumeTrue(Files.exists(p), p + " absent: real-data test skipped (see ../shared/data/README.md)");
    return root;
  }
}
