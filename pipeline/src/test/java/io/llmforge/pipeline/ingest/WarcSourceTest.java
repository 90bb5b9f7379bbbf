package io.llmforge.pipeline.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class WarcSourceTest {
  private static final Instant DATE = Instant.parse("2024-05-01T10:00:00Z");

  static byte[] warc(boolean gzip, int pages) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (WarcPageWriter w = new WarcPageWriter(out, gzip)) {
      for (int i = 0; i < pages; i++) {
        w.writeRequest("https://example.org/p" + i, DATE);
        w.writeHtml("https://example.org/p" + i, DATE, "<html><body><p>Page " + i + " ✓ 😀</p></body></html>");
      }
    }
    return out.toByteArray();
  }

  /** Reads through the resuming path, as the Spark job does with a seekable Hadoop stream. */
  static List<InputItem> read(byte[] bytes, long maxPageBytes) throws IOException {
    List<InputItem> items = new ArrayList<>();
    RangeOpener opener = offset -> new ByteArrayInputStream(bytes, (int) offset, bytes.length - (int) offset);
    try (WarcSource source = new WarcSource("test.warc", opener, maxPageBytes)) {
      source.forEachRemaining(items::add);
    }
    return items;
  }

  @Test
  void readsResponsesAndSkipsRequests() throws IOException {
    for (boolean gzip : new boolean[] {false, true}) {
      List<InputItem> items;
      try (WarcSource source = new WarcSource("t", new ByteArrayInputStream(warc(gzip, 3)), 1 << 20)) {
        items = new ArrayList<>();
        source.forEachRemaining(items::add);
        assertEquals(3, source.skippedRecords(), "request records are skipped, not input");
      }
      assertEquals(3, items.size());
      RawPage page = assertInstanceOf(RawPage.class, items.get(1));
      assertEquals("https://example.org/p1", page.url());
      assertEquals(DATE, page.crawlDate());
      assertEquals("text/html", page.contentType());
      assertTrue(new String(page.body(), StandardCharsets.UTF_8).contains("Page 1 ✓ 😀"));
    }
  }

  @Test
  void truncatedGzipKeepsEarlierRecordsAndReportsOneFailure() throws IOException {
    byte[] whole = warc(true, 5);
    byte[] cut = Arrays.copyOf(whole, whole.length - 40);
    List<InputItem> items = read(cut, 1 << 20);
    long pages = items.stream().filter(i -> i instanceof RawPage).count();
    List<ReadFailure> failures = items.stream().filter(i -> i instanceof ReadFailure).map(i -> (ReadFailure) i).toList();
    assertEquals(4, pages, "every complete record before the cut is kept");
    assertEquals(1, failures.size());
    assertTrue(failures.get(0).reason().startsWith("truncated_input"), failures.get(0).reason());
  }

  @Test
  void emptyFileIsOneFailure() throws IOException {
    List<InputItem> items = read(new byte[0], 1 << 20);
    assertEquals(1, items.size());
    assertTrue(((ReadFailure) items.get(0)).reason().startsWith("empty_file"));
  }

  @Test
  void garbageIsAFailureNotAnException() throws IOException {
    byte[] garbage = "this is not a warc file at all\r\n\r\nreally not".getBytes(StandardCharsets.UTF_8);
    List<InputItem> items = read(garbage, 1 << 20);
    assertEquals(1, items.size());
    assertInstanceOf(ReadFailure.class, items.get(0));
  }

  @Test
  void malformedRecordInTheMiddleIsReportedAndEveryGoodRecordIsRead() throws IOException {
    for (boolean gzip : new boolean[] {false, true}) {
      byte[] good = warc(gzip, 2);
      ByteArrayOutputStream mixed = new ByteArrayOutputStream();
      mixed.write(good);
      byte[] bad = "WARC/1.1\r\nWARC-Type: response\r\nContent-Length: notanumber\r\n\r\n\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII);
      if (gzip) {
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(z)) {
          gz.write(bad);
        }
        bad = z.toByteArray();
      }
      mixed.write(bad);
      mixed.write("random junk between records \u0000\u0001".getBytes(StandardCharsets.UTF_8));
      mixed.write(good);
      List<InputItem> items = read(mixed.toByteArray(), 1 << 20);
      long pages = items.stream().filter(i -> i instanceof RawPage).count();
      List<ReadFailure> failures = items.stream().filter(i -> i instanceof ReadFailure).map(i -> (ReadFailure) i).toList();
      assertEquals(4, pages, "gzip=" + gzip + ": all four good records survive the bad one: " + failures);
      assertEquals(1, failures.size(), failures.toString());
      assertTrue(failures.get(0).reason().startsWith("malformed_record"), failures.get(0).reason());
    }
  }

  @Test
  void streamOnlyReaderStopsAtTheFirstCorruptRecord() throws IOException {
    byte[] whole = warc(true, 3);
    byte[] cut = Arrays.copyOf(whole, whole.length - 40);
    List<InputItem> items = new ArrayList<>();
    try (WarcSource source = new WarcSource("s", new ByteArrayInputStream(cut), 1 << 20)) {
      source.forEachRemaining(items::add);
    }
    assertEquals(3, items.size());
    assertInstanceOf(ReadFailure.class, items.get(2));
  }

  @Test
  void oversizedPayloadIsRejectedWithoutBuffering() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (WarcPageWriter w = new WarcPageWriter(out, true)) {
      w.writeHtml("https://example.org/huge", DATE, "<p>" + "x".repeat(200_000) + "</p>");
      w.writeHtml("https://example.org/small", DATE, "<p>small</p>");
    }
    List<InputItem> items = read(out.toByteArray(), 100_000);
    assertEquals(2, items.size());
    assertTrue(((ReadFailure) items.get(0)).reason().startsWith("oversized_page"));
    assertEquals("https://example.org/small", ((RawPage) items.get(1)).url());
  }

  @Test
  void nonTextPayloadsAreReadAsTypedPagesWithoutBody() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (WarcPageWriter w = new WarcPageWriter(out, true)) {
      w.writeResponse("https://example.org/a.png", DATE, 200, "image/png", new byte[] {(byte) 0x89, 'P', 'N', 'G'});
      w.writeResponse("https://example.org/gone", DATE, 404, "text/html", "<p>gone</p>".getBytes(StandardCharsets.UTF_8));
      w.writeConversion("https://example.org/wet", DATE, "Plain text from a WET file.");
    }
    List<InputItem> items = read(out.toByteArray(), 1 << 20);
    assertEquals(3, items.size());
    RawPage png = (RawPage) items.get(0);
    assertEquals("image/png", png.contentType());
    assertEquals(0, png.body().length);
    assertEquals("http_status: 404", ((ReadFailure) items.get(1)).reason());
    RawPage wet = (RawPage) items.get(2);
    assertTrue(wet.isPlainText());
    assertEquals("Plain text from a WET file.", new String(wet.body(), StandardCharsets.UTF_8));
  }
}
