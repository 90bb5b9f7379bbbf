package io.llmforge.pipeline.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * Streams documents from a JSON-lines file (plain or gzip). Each non-blank line is one input item: a
 * {@link RawPage} of type {@code text/plain}, or a {@link ReadFailure} for a line that is not a JSON object with a
 * string text field, or that is longer than the page cap (the rest of that line is skipped, not buffered).
 */
public final class JsonlSource extends LookaheadSource {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String source;
  private final InputStream in;
  private final ReadOptions options;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(4096);
  private long lineNumber;

  public JsonlSource(String source, InputStream raw, ReadOptions options) {
    this.source = source;
    this.options = options;
    InputStream opened;
    try {
      opened = Gzip.maybeDecompress(raw);
    } catch (IOException e) {
      opened = null;
      finished = true;
      pending = new ReadFailure(source, 0, null, "unreadable_file: " + WarcSource.describe(e));
    }
    this.in = opened;
  }

  @Override
  protected InputItem advance() {
    try {
      while (true) {
        LineStatus status = readLine();
        if (status == LineStatus.END && line.size() == 0) {
          finished = true;
          return itemsEmitted == 0 ? new ReadFailure(source, 0, null, "empty_file: no JSON lines") : null;
        }
        if (status == LineStatus.END) {
          finished = true;
        }
        lineNumber++;
        if (status == LineStatus.TOO_LONG) {
          return new ReadFailure(source, lineNumber, null,
              "oversized_page: line longer than " + options.maxPageBytes() + " bytes");
        }
        String text = line.toString(StandardCharsets.UTF_8);
        if (!text.isBlank()) {
          return parse(text);
        }
        if (finished) {
          return itemsEmitted == 0 ? new ReadFailure(source, 0, null, "empty_file: no JSON lines") : null;
        }
      }
    } catch (IOException e) {
      finished = true;
      return new ReadFailure(source, lineNumber, null, "truncated_input: " + WarcSource.describe(e));
    }
  }

  private enum LineStatus { LINE, TOO_LONG, END }

  /** Reads up to the next '\n' into {@link #line}; past the cap it keeps reading but stops buffering. */
  private LineStatus readLine() throws IOException {
    line.reset();
    boolean tooLong = false;
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        return tooLong ? LineStatus.TOO_LONG : LineStatus.LINE;
      }
      if (!tooLong) {
        line.write(b);
        if (line.size() > options.maxPageBytes()) {
          tooLong = true;
          line.reset();
        }
      }
    }
    return tooLong ? LineStatus.TOO_LONG : LineStatus.END;
  }

  private InputItem parse(String text) {
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (IOException e) {
      return new ReadFailure(source, lineNumber, null, "malformed_record: line " + lineNumber + " is not JSON");
    }
    if (node == null || !node.isObject()) {
      return new ReadFailure(source, lineNumber, null, "malformed_record: line " + lineNumber + " is not an object");
    }
    String url = textField(node, options.jsonUrlField());
    JsonNode body = node.get(options.jsonTextField());
    if (body == null || !body.isTextual()) {
      return new ReadFailure(source, lineNumber, url,
          "malformed_record: line " + lineNumber + " has no string field '" + options.jsonTextField() + "'");
    }
    return new RawPage(source, lineNumber, url, parseDate(textField(node, options.jsonDateField())), "text/plain",
        "utf-8", body.textValue().getBytes(StandardCharsets.UTF_8));
  }

  private static String textField(JsonNode node, String field) {
    JsonNode value = field == null ? null : node.get(field);
    return value != null && value.isTextual() ? value.textValue() : null;
  }

  static Instant parseDate(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(value.trim()).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return Instant.parse(value.trim());
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }

  @Override
  public void close() throws IOException {
    if (in != null) {
      in.close();
    }
  }
}
