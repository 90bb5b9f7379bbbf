package io.llmforge.pipeline.demo;

import io.llmforge.pipeline.ingest.WarcPageWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Writes a small but realistic crawl for {@code llmforge demo} and the end-to-end tests: gzip WARC files with
 * request and response records, pages wrapped in navigation, sidebars, footers and scripts, plus everything a
 * real crawl throws at a pipeline — exact and near duplicates, other languages, adult spam, link farms,
 * images, 404s and redirects, a WET file, a JSONL file with broken lines, a truncated WARC, an empty file,
 * a page of invalid UTF-8 and an oversized page — and the boilerplate no extractor can tell from the article,
 * because sites put it inside the article body: a newsletter plug and a corrections note ({@link #NEWSLETTER},
 * {@link #CORRECTIONS}), for paragraph dedup to remove.
 */
public final class DemoCrawl {
  private static final Instant START = Instant.parse("2024-03-01T08:00:00Z");

  private final SyntheticText text;
  private final Random random;
  private final Layouts layouts;
  private int clock;

  public DemoCrawl(long seed) {
    this.text = new SyntheticText(seed);
    this.random = text.random();
    this.layouts = new Layouts(random);
  }

  /**
   * In-article boilerplate: the second paragraph of every second article (by index, so no random draw moves the
   * rest of the crawl), long enough to pass for prose.
   */
  public static final String NEWSLETTER = "Sign up for the Harbour Weekly newsletter to receive stories like this "
      + "one in your inbox every Friday morning.";
  /** ... and the last but one of every third article. */
  public static final String CORRECTIONS = "Spotted a mistake in this story? Our corrections policy explains how to "
      + "contact the editors and what happens next.";

  /**
   * What was written, by kind, so tests can check the clean job's counts against it.
   *
   * @param newsletterArticles articles (originals, not their copies) that carry {@link #NEWSLETTER}
   */
  public record Summary(int articles, int exactDuplicates, int nearDuplicates, int foreign, int adult,
                        int lowQuality, int nonHtml, int httpErrors, int wetRecords, int jsonlGood, int jsonlBad,
                        int newsletterArticles, List<Path> files) {}

  /** Writes the crawl into {@code dir} (created); {@code pages} is the number of good articles. */
  public Summary write(Path dir, int pages) throws IOException {
    Files.createDirectories(dir);
    List<Path> files = new ArrayList<>();
    List<SyntheticText.Article> articles = new ArrayList<>();
    List<String> pagesHtml = new ArrayList<>();
    int exact = 0;
    int near = 0;
    int foreign = 0;
    int adult = 0;
    int low = 0;
    int nonHtml = 0;
    int errors = 0;
    int newsletter = 0;
    int shards = 2;
    for (int shard = 0; shard < shards; shard++) {
      Path file = dir.resolve(String.format("crawl-%05d.warc.gz", shard));
      files.add(file);
      try (OutputStream out = Files.newOutputStream(file); WarcPageWriter w = new WarcPageWriter(out, true)) {
        for (int i = shard; i < pages; i += shards) {
          SyntheticText.Article a = withHouseLines(emojify(text.article(3 + random.nextInt(5))), i);
          newsletter += i % 2 == 0 ? 1 : 0;
          articles.add(a);
          String url = "https://" + site(i) + "/articles/" + slug(a.title()) + "-" + i;
          String html = layouts.page(a.title(), a.paragraphs());
          pagesHtml.add(html);
          w.writeRequest(url, tick());
          w.writeHtml(url, now(), html);
          if (i % 10 == 3) {
            // Mirrors copy pages byte for byte; a re-templated copy is a near duplicate, below.
            w.writeHtml("https://mirror" + (i % 3) + ".example.net/copy/" + i, tick(),
                pagesHtml.get(random.nextInt(pagesHtml.size())));
            exact++;
          }
          if (i % 10 == 6) {
            SyntheticText.Article base = articles.get(random.nextInt(articles.size()));
            List<String> paras = new ArrayList<>(base.paragraphs());
            paras.set(paras.size() - 1, paras.get(paras.size() - 1) + " " + text.paragraph("river", 1));
            w.writeHtml("https://aggregator.example.org/story/" + i, tick(), layouts.page(base.title(), paras));
            near++;
          }
          if (i % 15 == 7) {
            w.writeHtml("https://" + Foreign.site(i) + "/page/" + i, tick(), layouts.page("Actualités " + i,
                Foreign.paragraphs(random, i, 4)));
            foreign++;
          }
          if (i % 25 == 11) {
            w.writeHtml("https://hot-xxx-cams.example.com/live/" + i, tick(), LowQuality.adultSpam(random));
            adult++;
          }
          if (i % 12 == 5) {
            w.writeHtml("https://links.example.info/dir/" + i, tick(), LowQuality.linkFarm(random, i));
            w.writeHtml("https://short.example.info/" + i, tick(), LowQuality.tooShort());
            w.writeHtml("https://spam.example.info/" + i, tick(), LowQuality.repetitive(random));
            low += 3;
          }
          if (i % 8 == 2) {
            w.writeResponse("https://" + site(i) + "/img/photo" + i + ".jpg", tick(), 200, "image/jpeg",
                randomBytes(2048));
            nonHtml++;
          }
          if (i % 20 == 9) {
            w.writeResponse("https://" + site(i) + "/missing/" + i, tick(), 404, "text/html",
                "<html><body><h1>Not found</h1></body></html>".getBytes(StandardCharsets.UTF_8));
            w.writeResponse("https://" + site(i) + "/old/" + i, tick(), 301, "text/html", new byte[0]);
            errors += 2;
          }
        }
        // One page of bytes that are not text in any charset, declared as UTF-8.
        w.writeResponse("https://" + site(1) + "/garbled", tick(), 200, "text/html; charset=utf-8", randomBytes(4000));
        // One page over the demo's 1 MiB page cap.
        w.writeHtml("https://" + site(2) + "/endless-archive", tick(),
            "<html><body>" + "<p>Archive entry with the same words again and again.</p>".repeat(30_000) + "</body></html>");
      }
    }
    int wet = writeWet(dir.resolve("extracted.warc.wet.gz"), files);
    int[] jsonl = writeJsonl(dir.resolve("extra.jsonl"), files);
    writeTruncated(dir.resolve("truncated.warc.gz"), files);
    files.add(Files.write(dir.resolve("empty.warc.gz"), new byte[0]));
    files.add(Files.writeString(dir.resolve("standalone.html"),
        layouts.page("A standalone page", text.article(4).paragraphs())));
    return new Summary(pages, exact, near, foreign, adult, low, nonHtml, errors, wet, jsonl[0], jsonl[1], newsletter,
        files);
  }

  private int writeWet(Path file, List<Path> files) throws IOException {
    files.add(file);
    int n = 5;
    try (OutputStream out = Files.newOutputStream(file); WarcPageWriter w = new WarcPageWriter(out, true)) {
      for (int i = 0; i < n; i++) {
        w.writeConversion("https://wet.example.org/doc/" + i, tick(), text.article(4).text());
      }
    }
    return n;
  }

  private int[] writeJsonl(Path file, List<Path> files) throws IOException {
    files.add(file);
    StringBuilder sb = new StringBuilder();
    int good = 8;
    for (int i = 0; i < good; i++) {
      sb.append("{\"text\": ").append(Json.quote(text.article(4).text())).append(", \"url\": \"https://jsonl.example.org/")
          .append(i).append("\", \"timestamp\": \"2024-02-0").append(1 + i % 9).append("T00:00:00Z\"}\n");
      if (i == 3) {
        sb.append("{\"text\": \"this line is cut off\n");
      }
    }
    sb.append("{\"title\": \"a row without text\"}\n");
    Files.writeString(file, sb.toString());
    return new int[] {good, 2};
  }

  /** A WARC whose last gzip member is cut in half, as a killed crawler leaves it. */
  private void writeTruncated(Path file, List<Path> files) throws IOException {
    files.add(file);
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
    try (WarcPageWriter w = new WarcPageWriter(buf, true)) {
      for (int i = 0; i < 3; i++) {
        SyntheticText.Article a = text.article(4);
        w.writeHtml("https://truncated.example.org/" + i, tick(), layouts.page(a.title(), a.paragraphs()));
      }
    }
    byte[] all = buf.toByteArray();
    Files.write(file, Arrays.copyOf(all, all.length - 300));
  }

  /** Contact details that PII masking must remove; they appear in about one article in five. */
  public static final String CONTACT_EMAIL = "letters@dailyharbour.example.com";
  public static final String CONTACT_IP = "81.2.69.160";

  /**
   * About one article in six gets emoji, which must survive extraction and normalisation, and one in five a
   * contact line with an e-mail and an IP address.
   */
  private SyntheticText.Article emojify(SyntheticText.Article a) {
    List<String> paras = new ArrayList<>(a.paragraphs());
    if (random.nextInt(6) == 0) {
      paras.set(0, paras.get(0) + " We loved it 😀🌉, and the café served crème brûlée for 5 € → worth it!");
    }
    if (random.nextInt(5) == 0) {
      paras.set(paras.size() - 1, paras.get(paras.size() - 1) + " Readers can write to the editors at "
          + CONTACT_EMAIL + " or browse the archive server at " + CONTACT_IP + " for older stories.");
    }
    return new SyntheticText.Article(a.title(), paras);
  }

  private static SyntheticText.Article withHouseLines(SyntheticText.Article a, int i) {
    // Before the last paragraph, which the near duplicates below rewrite: the plug must stay a line of its own.
    List<String> paras = new ArrayList<>(a.paragraphs());
    if (i % 2 == 0) {
      paras.add(1, NEWSLETTER);
    }
    if (i % 3 == 1) {
      paras.add(paras.size() - 1, CORRECTIONS);
    }
    return new SyntheticText.Article(a.title(), paras);
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static String site(int i) {
    String[] sites = {"dailyharbour.example.com", "old-bridges.example.org", "gardenjournal.example.net",
        "riverside-news.example.com", "valleyhistory.example.org"};
    return sites[i % sites.length];
  }

  static String slug(String title) {
    return title.toLowerCase().replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
  }

  private Instant tick() {
    return START.plus(Duration.ofMinutes(7L * ++clock));
  }

  private Instant now() {
    return START.plus(Duration.ofMinutes(7L * clock));
  }
}
