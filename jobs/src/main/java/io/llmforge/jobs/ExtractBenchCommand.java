package io.llmforge.jobs;

import io.llmforge.pipeline.extract.ExtractionBenchmark;
import io.llmforge.pipeline.extract.HtmlExtractor;
import io.llmforge.pipeline.spark.JobStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Main-text extraction quality and speed on the ScrapingHub article-extraction-benchmark, scored with the
 * benchmark's own shingle metric, next to the whole-page-text baseline.
 */
@Command(name = "extract", mixinStandardHelpOptions = true,
    description = "Extraction P/R/F1 and docs/s on the ScrapingHub article-extraction-benchmark.")
final class ExtractBenchCommand implements Callable<Integer> {
  @Option(names = "--data", paramLabel = "DIR", defaultValue = "../shared/data/extraction/scrapinghub-aeb",
      description = "Benchmark folder with ground-truth.json and html/ (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--out", paramLabel = "FILE", defaultValue = "work/bench/extract.json",
      description = "Where to write the JSON result (default: ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws IOException {
    if (!Files.isDirectory(data)) {
      System.err.println("bench extract: " + data + " not found (it is in ../shared/data; pass --data DIR)");
      return 2;
    }
    ExtractionBenchmark.Result ours = ExtractionBenchmark.run(data, new HtmlExtractor());
    ExtractionBenchmark.Result whole = ExtractionBenchmark.wholePageBaseline(data);
    System.out.printf("%n%-28s %9s %9s %9s %7s %10s%n", "extractor", "precision", "recall", "F1", "docs", "docs/s");
    row("llmforge HtmlExtractor", ours);
    row("whole-page text (baseline)", whole);
    System.out.printf("%nreference F1 (benchmark's published table): trafilatura 0.958, jusText 0.804, "
        + "whole page 0.665%n");
    JobStats json = new JobStats()
        .put("benchmark", "scrapinghub-article-extraction-benchmark")
        .put("data", data.toAbsolutePath().toString())
        .put("llmforge", asMap(ours))
        .put("whole_page", asMap(whole));
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, json.toJson());
    System.out.println("wrote " + out);
    return 0;
  }

  private static void row(String name, ExtractionBenchmark.Result r) {
    System.out.printf("%-28s %9.3f %9.3f %9.3f %7d %10.1f%n", name, r.aggregate().precision(), r.aggregate().recall(),
        r.aggregate().f1(), r.docs(), r.docsPerSecond());
  }

  private static java.util.Map<String, Object> asMap(ExtractionBenchmark.Result r) {
    return java.util.Map.of("precision", r.aggregate().precision(), "recall", r.aggregate().recall(),
        "f1", r.aggregate().f1(), "docs", r.docs(), "seconds", r.seconds(), "docs_per_second", r.docsPerSecond());
  }
}
