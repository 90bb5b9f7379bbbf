package io.llmforge.pipeline.filter;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llmforge.pipeline.document.Document;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Third-party data for the real-data tests. It lives outside the repository: {@code -Dllmforge.shared.data} (set by
 * the build), else {@code ../shared/data} from the repository root; a test that needs a file skips when it is absent.
 */
final class SharedTestData {
  private SharedTestData() {}

  /** The shared data directory, or null. */
  static Path root() {
    List<Path> candidates = new ArrayList<>();
    String shared = System.getProperty("llmforge.shared.data");
    if (shared != null && !shared.isBlank()) {
      candidates.add(Path.of(shared));
    }
    candidates.add(Path.of("..", "shared", "data"));
    // Tests run in the module directory (pipeline/), whose parent is the repository root.
    candidates.add(Path.of("..", "..", "shared", "data"));
    for (Path c : candidates) {
      if (Files.isDirectory(c)) {
        return c;
      }
    }
    return null;
  }

  /** {@code relative} under the shared data directory; skips the test when it is not there. */
  static Path require(String relative) {
    Path root = root();
    Path file = root == null ? null : root.resolve(relative);
    assumeTrue(file != null && Files.exists(file),
        "../shared/data/" + relative + " absent (looked in -Dllmforge.shared.data and ../shared/data): skipping");
    return file;
  }

  /** The non-blank lines of text/wiki_demo.txt: one Wikipedia article each. */
  static List<String> wikiArticles() {
    List<String> out = new ArrayList<>();
    for (String line : readString(require("text/wiki_demo.txt")).split("\n", -1)) {
      if (!Words.strip(line).isEmpty()) {
        out.add(line);
      }
    }
    return out;
  }

  /** The "text" of every line of text/c4_demo.jsonl (already C4-cleaned English pages). */
  static List<String> c4Documents() {
    List<String> out = new ArrayList<>();
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    for (String line : readString(require("text/c4_demo.jsonl")).split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      try {
        out.add(json.readTree(line).get("text").asText());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  static String readString(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Document doc(String text) {
    return Document.of("https://example.org/page", Instant.EPOCH, "test", text);
  }

  static Document doc(String url, String text) {
    return Document.of(url, Instant.EPOCH, "test", text);
  }
}
