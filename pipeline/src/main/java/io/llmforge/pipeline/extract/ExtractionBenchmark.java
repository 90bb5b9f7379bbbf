package io.llmforge.pipeline.extract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmforge.pipeline.text.CharsetDecoding;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;
import org.jsoup.Jsoup;

/**
 * Runs an extractor over the ScrapingHub article-extraction-benchmark (AEB) and scores it with
 * {@link ExtractionMetrics}, so that the figures sit in the same table as the benchmark's published ones
 * (trafilatura 0.958 F1, jusText 0.804, whole-page text 0.665).
 *
 * <p>Layout of {@code aebDir}: {@code ground-truth.json} (id to {@code {"articleBody", "url"}}) and
 * {@code html/<id>.html.gz}. Pages are decoded with their {@code <meta charset>} if any, else UTF-8.
 * Timing covers extraction only, single-threaded, after one untimed warm-up pass over all pages (JIT).
 * Pure Java, no Spark.
 */
public final class ExtractionBenchmark {

  /** One benchmark page, loaded. */
  public record Page(String id, String url, String html, String truth) {
    public Page {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(html, "html");
      Objects.requireNonNull(truth, "truth");
    }
  }

  /** The score of one page, with what was predicted for it (for error analysis). */
  public record PageResult(String id, String url, String predicted, ExtractionMetrics.Score score) {}

  /**
   * @param pages     per page, in ground-truth order
   * @param aggregate the corpus figure, computed like evaluate.py ({@link ExtractionMetrics#mean})
   * @param docs      number of pages
   * @param seconds   wall time of the timed extraction pass
   */
  public record Result(List<PageResult> pages, ExtractionMetrics.Score aggregate, int docs, double seconds) {
    public Result {
      pages = List.copyOf(pages);
      if (docs != pages.size()) {
        throw new IllegalArgumentException("docs " + docs + " != pages " + pages.size());
      }
    }

    public double docsPerSecond() {
      return seconds > 0 ? docs / seconds : Double.POSITIVE_INFINITY;
    }

    /** One table row, in the benchmark README's column order. */
    public String summary(String name) {
      return String.format("%-22s F1 %.3f  precision %.3f  recall %.3f  (%d docs, %.2f s, %.0f docs/s)",
          name, aggregate.f1(), aggregate.precision(), aggregate.recall(), docs, seconds, docsPerSecond());
    }
  }

  private ExtractionBenchmark() {}

  /** Scores {@code extractor}'s text against the ground truth. */
  public static Result run(Path aebDir, HtmlExtractor extractor) {
    Objects.requireNonNull(extractor, "extractor");
    return evaluate(load(aebDir), p -> extractor.extract(p.html(), p.url()).text());
  }

  /** The whole-page baseline: jsoup's {@code body().text()}, as html-text / BeautifulSoup in the table. */
  public static Result wholePageBaseline(Path aebDir) {
    return evaluate(load(aebDir), p -> Jsoup.parse(p.html(), p.url()).body().text());
  }

  /** Warms up once, then extracts and scores every page in a timed pass. */
  public static Result evaluate(List<Page> pages, Function<Page, String> extract) {
    if (pages.isEmpty()) {
      throw new IllegalArgumentException("no pages");
    }
    for (Page p : pages) {
      extract.apply(p);
    }
    String[] predicted = new String[pages.size()];
    long start = System.nanoTime();
    for (int i = 0; i < predicted.length; i++) {
      predicted[i] = extract.apply(pages.get(i));
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    List<PageResult> results = new ArrayList<>(pages.size());
    List<ExtractionMetrics.Score> scores = new ArrayList<>(pages.size());
    for (int i = 0; i < predicted.length; i++) {
      Page p = pages.get(i);
      ExtractionMetrics.Score s = ExtractionMetrics.score(predicted[i], p.truth());
      scores.add(s);
      results.add(new PageResult(p.id(), p.url(), predicted[i], s));
    }
    return new Result(results, ExtractionMetrics.mean(scores), pages.size(), seconds);
  }

  /** Reads the ground truth and every page's HTML. */
  public static List<Page> load(Path aebDir) {
    Path truthFile = aebDir.resolve("ground-truth.json");
    try {
      JsonNode truth = new ObjectMapper().readTree(truthFile.toFile());
      if (truth == null || !truth.isObject()) {
        throw new IllegalArgumentException(truthFile + " is not a JSON object");
      }
      List<Page> pages = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = truth.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String id = e.getKey();
        JsonNode item = e.getValue();
        String html = readHtml(aebDir.resolve("html").resolve(id + ".html.gz"));
        pages.add(new Page(id, item.path("url").asText(""), html, item.path("articleBody").asText("")));
      }
      return pages;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read benchmark at " + aebDir, e);
    }
  }

  private static String readHtml(Path gz) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
      return CharsetDecoding.decode(in.readAllBytes(), null, true).text();
    }
  }

  /** Prints the extractor's and the baseline's rows: {@code ExtractionBenchmark <aebDir>}. */
  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: ExtractionBenchmark <dir with ground-truth.json and html/>");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    System.out.println(run(dir, new HtmlExtractor()).summary("llmforge HtmlExtractor"));
    System.out.println(wholePageBaseline(dir).summary("whole-page text"));
  }
}
