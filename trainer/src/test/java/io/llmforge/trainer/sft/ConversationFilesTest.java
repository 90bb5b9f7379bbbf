package io.llmforge.trainer.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class ConversationFilesTest {
  private static final String SOURCE = "data/chat.jsonl";

  /** All rows; bounded, so an iterator that never ends fails the test instead of hanging it. */
  private static List<RawRow> read(InputStream in) throws IOException {
    Iterator<RawRow> it = ConversationFiles.rows(SOURCE, in);
    List<RawRow> out = new ArrayList<>();
    while (it.hasNext()) {
      out.add(it.next());
      assertTrue(out.size() < 10_000, "the row stream does not end");
    }
    assertFalse(it.hasNext(), "an ended stream stays ended");
    assertThrows(NoSuchElementException.class, it::next);
    return out;
  }

  private static List<RawRow> read(byte[] bytes) throws IOException {
    return read(new ByteArrayInputStream(bytes));
  }

  private static List<RawRow> read(String text) throws IOException {
    return read(text.getBytes(StandardCharsets.UTF_8));
  }

  private static void assertRow(RawRow r, long index, String json) {
    assertEquals(SOURCE, r.source());
    assertEquals(index, r.index());
    assertEquals(json, r.json());
    assertNull(r.reason(), r.detail());
    assertEquals(SOURCE + "#" + index, r.id());
  }

  private static void assertFailed(RawRow r, long index, String reason) {
    assertEquals(index, r.index());
    assertEquals(reason, r.reason());
    assertNull(r.json());
    assertNotNull(r.detail());
  }

  @Test
  void jsonArrayYieldsOneRowPerElement() throws IOException {
    List<RawRow> rows = read("  \n[ {\"instruction\": \"q\", \"output\": \"a\"},\n {\"messages\": []} ]\n");
    assertEquals(2, rows.size());
    // Each element comes back as its own compact JSON text.
    assertRow(rows.get(0), 0, "{\"instruction\":\"q\",\"output\":\"a\"}");
    assertRow(rows.get(1), 1, "{\"messages\":[]}");
  }

  @Test
  void jsonLinesSkipBlankLinesAndNumberRowsConsecutively() throws IOException {
    List<RawRow> rows = read("{\"a\":1}\n\n   \n{\"b\": 2}\r\n\t{\"c\":3}");
    assertEquals(3, rows.size());
    assertRow(rows.get(0), 0, "{\"a\":1}");
    // Blank lines are not rows; the text is kept as written, minus surrounding whitespace (and a CR).
    assertRow(rows.get(1), 1, "{\"b\": 2}");
    // The last line has no newline and is still a row.
    assertRow(rows.get(2), 2, "{\"c\":3}");
  }

  @Test
  void aLineThatIsNotJsonIsStillARowTheParserJudgesLater() throws IOException {
    List<RawRow> rows = read("{\"a\":1}\nnot json at all\n");
    assertEquals(2, rows.size());
    assertRow(rows.get(1), 1, "not json at all");
  }

  @Test
  void invalidUtf8FailsOnlyItsLine() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes("{\"a\":1}\n".getBytes(StandardCharsets.UTF_8));
    out.writeBytes(new byte[] {'{', '"', 'b', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'}); // bad pair
    out.writeBytes("{\"c\":\"caf\u00e9\"}\n".getBytes(StandardCharsets.UTF_8));
    out.writeBytes(new byte[] {(byte) 0xFF, '\n'}); // never valid in UTF-8
    out.writeBytes("{\"d\":4}\n".getBytes(StandardCharsets.UTF_8));
    List<RawRow> rows = read(out.toByteArray());
    assertEquals(5, rows.size());
    assertRow(rows.get(0), 0, "{\"a\":1}");
    assertFailed(rows.get(1), 1, ConversationFiles.INVALID_UTF8);
    assertRow(rows.get(2), 2, "{\"c\":\"caf\u00e9\"}");
    assertFailed(rows.get(3), 3, ConversationFiles.INVALID_UTF8);
    assertRow(rows.get(4), 4, "{\"d\":4}");
  }

  @Test
  void aJsonArrayThatBreaksOffKeepsTheCompleteElementsBefore() throws IOException {
    // Cut inside the third element, and (separately) after the last complete one with no closing bracket.
    for (String text : List.of("[{\"a\":1}, {\"b\":2}, {\"c\": \"unfinish",
        "[{\"a\":1}, {\"b\":2}", "[{\"a\":1}, {\"b\":2},", "[{\"a\":1}, {\"b\":2}, {\"c\" 3}]")) {
      List<RawRow> rows = read(text);
      assertEquals(3, rows.size(), text);
      assertRow(rows.get(0), 0, "{\"a\":1}");
      assertRow(rows.get(1), 1, "{\"b\":2}");
      assertFailed(rows.get(2), 2, BadConversation.INVALID_JSON);
    }
  }

  @Test
  void aTruncatedGzipYieldsTheGoodRowsThenOneUnreadableRow() throws IOException {
    List<String> lines = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 400; i++) {
      String line = "{\"instruction\": \"question number " + i + "\", \"output\": \"answer " + (i * 7919 % 1000)
          + "\"}";
      lines.add(line);
      text.append(line).append('\n');
    }
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(text.toString().getBytes(StandardCharsets.UTF_8));
    }
    byte[] whole = gz.toByteArray();
    byte[] cut = Arrays.copyOf(whole, whole.length - 20);

    // The intact file reads completely (so the test's own gzip is right).
    assertEquals(400, read(new GZIPInputStream(new ByteArrayInputStream(whole))).size());

    List<RawRow> rows = read(new GZIPInputStream(new ByteArrayInputStream(cut)));
    RawRow last = rows.get(rows.size() - 1);
    int good = rows.size() - 1;
    assertTrue(good > 0 && good < 400, "good rows: " + good);
    for (int i = 0; i < good; i++) {
      assertRow(rows.get(i), i, lines.get(i)); // never a half line
    }
    assertFailed(last, good, BadConversation.UNREADABLE_INPUT);
  }

  @Test
  void emptyInputHasNoRows() throws IOException {
    assertEquals(List.of(), read(new byte[0]));
    assertEquals(List.of(), read(" \n\r\n\t\n"));
  }

  @Test
  void aByteOrderMarkBeforeTheArrayIsSkipped() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    out.writeBytes("[{\"a\":1},{\"b\":2}]".getBytes(StandardCharsets.UTF_8));
    List<RawRow> rows = read(out.toByteArray());
    assertEquals(2, rows.size());
    assertRow(rows.get(0), 0, "{\"a\":1}");
    assertRow(rows.get(1), 1, "{\"b\":2}");
  }

  @Test
  void aFirstLineWithAByteOrderMarkStillParses() throws IOException {
    // Windows tools write JSONL with a BOM; the first conversation must not be lost to it.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    out.writeBytes("{\"instruction\":\"q\",\"output\":\"a\"}\n{\"b\":2}\n".getBytes(StandardCharsets.UTF_8));
    List<RawRow> rows = read(out.toByteArray());
    assertEquals(2, rows.size());
    ConversationRenderer renderer = new ConversationRenderer(ConversationFormat.AUTO, java.util.Map.of(),
        ChatTemplate.Options.DEFAULT, 1_000, 0.0, 1);
    ConversationRenderer.Outcome o = renderer.apply(rows.get(0), TestTokenizers.template());
    assertFalse(o.rejected(), o.reason() + ": " + o.detail());
  }
}
