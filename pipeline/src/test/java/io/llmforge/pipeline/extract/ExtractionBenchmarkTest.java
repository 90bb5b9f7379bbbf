package io.llmforge.pipeline.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The extractor on the ScrapingHub article-extraction-benchmark (181 news and blog pages), scored with
 * the benchmark's own metric. Published anchors: trafilatura 0.958, readability-lxml 0.922, jusText
 * 0.804, whole-page text (html-text) 0.665.
 */
class ExtractionBenchmarkTest {

  /** The data lives outside the repository: {@code llmforge.shared.data}, else {@code <repo>/../shared/data}. */
  private static Path aebDir() {
    List<Path> candidates = new ArrayList<>();
    String shared = System.getProperty("llmforge.shared.data");
    if (shared != null && !shared.isBlank()) {
      candidates.add(Path.of(shared));
    }
    // Tests run in the module directory (pipeline/), so the repository root is its parent.
    candidates.add(Path.of("..", "..", "shared", "data"));
    candidates.add(Path.of("..", "shared", "data"));
    for (Path data : candidates) {
      Path dir = data.resolve("extraction").resolve("scrapinghub-aeb");
      if (Files.isRegularFile(dir.resolve("ground-truth.json")) && Files.isDirectory(dir.resolve("html"))) {
        return dir;
      }
    }
    return null;
  }

  @Test
  void reachesNinetyPercentF1OnTheBenchmark() {
    Path dir = aebDir();
    assumeTrue(dir != null,
        "article-extraction-benchmark data absent (looked in -Dllmforge.shared.data and ../shared/data"
            + " for extraction/scrapinghub-aeb); skipping");
    ExtractionBenchmark.Result ours = ExtractionBenchmark.run(dir, new HtmlExtractor());
    ExtractionBenchmark.Result whole = ExtractionBenchmark.wholePageBaseline(dir);
    System.out.println(ours.summary("llmforge HtmlExtractor"));
    System.out.println(whole.summary("whole-page text"));

    assertTrue(ours.docs() > 0);
    assertEquals(ours.docs(), whole.docs());
    assertTrue(ours.aggregate().f1() >= 0.90, "aggregate F1 " + ours.aggregate().f1() + " < 0.90");
    // The baseline lands near the published 0.665: the metric and the data are wired as the benchmark's.
    assertTrue(whole.aggregate().f1() > 0.60 && whole.aggregate().f1() < 0.73,
        "whole-page baseline F1 " + whole.aggregate().f1());
  }

  @Test
  void runsOnASmallBenchmarkLayoutAndHonoursTheDeclaredCharset(@TempDir Path dir) throws IOException {
    Files.createDirectories(dir.resolve("html"));
    String body = "Für Straße und Café gilt: Qualität zählt, und dieser Absatz ist lang genug, um als"
        + " Fließtext erkannt zu werden.";
    writeGz(dir.resolve("html/latin.html.gz"), "<html><head><meta charset=\"windows-1252\"></head><body>"
        + "<nav><a href=/>Start</a></nav><p>" + body + "</p></body></html>", Charset.forName("windows-1252"));
    writeGz(dir.resolve("html/utf8.html.gz"),
        "<html><body><p>" + body + " 😀</p></body></html>", StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("ground-truth.json"), "{"
        + "\"latin\": {\"articleBody\": \"" + body + "\", \"url\": \"https://example.de/a\"},"
        + "\"utf8\": {\"articleBody\": \"" + body + " \\ud83d\\ude00\", \"url\": \"https://example.de/b\"}"
        + "}", StandardCharsets.UTF_8);

    ExtractionBenchmark.Result r = ExtractionBenchmark.run(dir, new HtmlExtractor());

    assertEquals(2, r.docs());
    assertEquals(List.of("latin", "utf8"), r.pages().stream().map(ExtractionBenchmark.PageResult::id).toList());
    assertEquals(body, r.pages().get(0).predicted());
    assertEquals(1.0, r.aggregate().f1(), 1e-12);
    assertTrue(r.seconds() >= 0 && r.docsPerSecond() > 0);
  }

  private static void writeGz(Path file, String html, Charset charset) throws IOException {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(html.getBytes(charset));
    }
  }
}
