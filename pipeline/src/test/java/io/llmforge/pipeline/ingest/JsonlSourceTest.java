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
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class JsonlSourceTest {
  private static final String LINES = String.join("\n",
      "{\"text\": \"first doc 😀\", \"url\": \"https://a.example/1\", \"timestamp\": \"2019-04-25T12:57:54Z\"}",
      "",
      "{not json",
      "{\"body\": \"no text field\"}",
      "[1, 2, 3]",
      "{\"text\": \"last doc\"}");

  static List<InputItem> read(byte[] bytes, ReadOptions options) throws IOException {
    List<InputItem> items = new ArrayList<>();
    try (JsonlSource source = new JsonlSource("t.jsonl", new ByteArrayInputStream(bytes), options)) {
      source.forEachRemaining(items::add);
    }
    return items;
  }

  @Test
  void everyNonBlankLineIsOneItem() throws IOException {
    List<InputItem> items = read(LINES.getBytes(StandardCharsets.UTF_8), ReadOptions.defaults());
    assertEquals(5, items.size(), "blank lines are not input");
    RawPage first = assertInstanceOf(RawPage.class, items.get(0));
    assertEquals("first doc 😀", new String(first.body(), StandardCharsets.UTF_8));
    assertEquals("https://a.example/1", first.url());
    assertEquals(Instant.parse("2019-04-25T12:57:54Z"), first.crawlDate());
    assertTrue(((ReadFailure) items.get(1)).reason().startsWith("malformed_record"));
    assertTrue(((ReadFailure) items.get(2)).reason().contains("no string field 'text'"));
    assertTrue(((ReadFailure) items.get(3)).reason().contains("not an object"));
    assertInstanceOf(RawPage.class, items.get(4));
  }

  @Test
  void gzipIsDetectedAndTruncationKeepsEarlierLines() throws IOException {
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(z)) {
      for (int i = 0; i < 2000; i++) {
        gz.write(("{\"text\": \"document number " + i + " with some words\"}\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    byte[] whole = z.toByteArray();
    assertEquals(2000, read(whole, ReadOptions.defaults()).size());
    List<InputItem> cut = read(Arrays.copyOf(whole, whole.length / 2), ReadOptions.defaults());
    long pages = cut.stream().filter(i -> i instanceof RawPage).count();
    ReadFailure last = assertInstanceOf(ReadFailure.class, cut.get(cut.size() - 1));
    assertTrue(last.reason().startsWith("truncated_input"), last.reason());
    assertTrue(pages > 100 && pages < 2000, "lines before the cut are kept: " + pages);
  }

  @Test
  void oversizedLineIsSkippedWithoutBuffering() throws IOException {
    String big = "{\"text\": \"" + "x".repeat(5000) + "\"}";
    byte[] bytes = (big + "\n{\"text\": \"small\"}\n").getBytes(StandardCharsets.UTF_8);
    List<InputItem> items = read(bytes, new ReadOptions(1000, "text", "url", "timestamp"));
    assertEquals(2, items.size());
    assertTrue(((ReadFailure) items.get(0)).reason().startsWith("oversized_page"));
    assertEquals("small", new String(((RawPage) items.get(1)).body(), StandardCharsets.UTF_8));
  }

  @Test
  void emptyFileIsOneFailure() throws IOException {
    List<InputItem> items = read(new byte[0], ReadOptions.defaults());
    assertEquals(1, items.size());
    assertTrue(((ReadFailure) items.get(0)).reason().startsWith("empty_file"));
    assertEquals(1, read("\n\n  \n".getBytes(StandardCharsets.UTF_8), ReadOptions.defaults()).size());
  }

  @Test
  void invalidUtf8InALineIsReplacedNotFatal() throws IOException {
    byte[] bytes = "{\"text\": \"caf\u00e9 \"}\n".getBytes(StandardCharsets.ISO_8859_1);
    List<InputItem> items = read(bytes, ReadOptions.defaults());
    RawPage page = assertInstanceOf(RawPage.class, items.get(0));
    assertTrue(new String(page.body(), StandardCharsets.UTF_8).startsWith("caf"));
  }
}
