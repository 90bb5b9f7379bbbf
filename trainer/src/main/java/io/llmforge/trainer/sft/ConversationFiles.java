package io.llmforge.trainer.sft;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Streams the rows of one conversation file without holding it in memory: a JSON array of objects (LLaMA-Factory's
 * datasets) when the first non-blank byte is {@code [}, else JSON Lines (one object per line; blank lines skipped).
 * Nothing stops the stream: a line that is not valid UTF-8 becomes a row with reason {@code invalid_utf8}; a JSON
 * array that breaks off (bad syntax, truncated file) yields the rows before the break, then one row saying where
 * it broke; a truncated gzip stream does the same. JSON syntax inside a line is checked later, by the parser.
 */
public final class ConversationFiles {
  public static final String INVALID_UTF8 = "invalid_utf8";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_LINE_BYTES = 64 << 20;

  private ConversationFiles() {}

  /** The rows of {@code in} (already decompressed), named {@code source}; closes {@code in} at the end. */
  public static Iterator<RawRow> rows(String source, InputStream in) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
    buffered.mark(1 << 16);
    int first;
    do {
      first = buffered.read();
    } while (first == ' ' || first == '\n' || first == '\r' || first == '\t' || first == 0xEF || first == 0xBB
        || first == 0xBF); // whitespace and a UTF-8 byte-order mark
    buffered.reset();
    return first == '[' ? new ArrayRows(source, buffered) : new LineRows(source, buffered);
  }

  /** A row that failed for an I/O reason (truncated gzip, unreadable file) after {@code rows} good ones. */
  static RawRow broken(String source, long index, IOException e) {
    String what = e instanceof EOFException ? "the file ends early (truncated or cut-off compressed stream)"
        : "cannot read: " + e.getMessage();
    return RawRow.failed(source, index, BadConversation.UNREADABLE_INPUT, what + " after " + index + " rows");
  }

  private abstract static class Rows implements Iterator<RawRow> {
    final String source;
    final InputStream in;
    long index;
    RawRow next;
    boolean done;

    Rows(String source, InputStream in) {
      this.source = source;
      this.in = in;
    }

    /** The next row, or null at the end. */
    abstract RawRow read() throws IOException;

    @Override
    public boolean hasNext() {
      if (next == null && !done) {
        try {
          next = read();
        } catch (IOException e) {
          next = broken(source, index, e);
          done = true;
        }
        if (next == null || done) {
          done = true;
          close();
        }
      }
      return next != null;
    }

    @Override
    public RawRow next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      RawRow r = next;
      next = null;
      return r;
    }

    void close() {
      try {
        in.close();
      } catch (IOException ignored) {
        // everything was read that could be
      }
    }
  }

  private static final class LineRows extends Rows {
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(4096);
    private boolean firstLine = true;

    LineRows(String source, InputStream in) {
      super(source, in);
    }

    @Override
    RawRow read() throws IOException {
      while (true) {
        line.reset();
        int b;
        boolean tooLong = false;
        while ((b = in.read()) >= 0 && b != '\n') {
          if (line.size() < MAX_LINE_BYTES) {
            line.write(b);
          } else {
            tooLong = true;
          }
        }
        if (b < 0 && line.size() == 0) {
          return null;
        }
        long at = index++;
        boolean first = firstLine;
        firstLine = false;
        if (tooLong) {
          return RawRow.failed(source, at, BadConversation.TOO_LONG, "line is longer than " + MAX_LINE_BYTES
              + " bytes");
        }
        String text;
        try {
          text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(line.toByteArray()))
              .toString();
        } catch (CharacterCodingException e) {
          return RawRow.failed(source, at, INVALID_UTF8, "row " + (at + 1) + " (a JSONL line) is not valid UTF-8");
        }
        if (first && text.startsWith("\uFEFF")) {
          text = text.substring(1); // a UTF-8 byte-order mark: strip() keeps it and the JSON parser rejects it
        }
        if (text.isBlank()) {
          index--; // blank lines are not rows
          if (b < 0) {
            return null;
          }
          continue;
        }
        return RawRow.of(source, at, text.strip());
      }
    }
  }

  private static final class ArrayRows extends Rows {
    private final JsonParser parser;
    private boolean started;

    ArrayRows(String source, InputStream in) throws IOException {
      super(source, in);
      this.parser = new JsonFactory(JSON).createParser(in);
    }

    @Override
    RawRow read() throws IOException {
      try {
        if (!started) {
          started = true;
          if (parser.nextToken() != JsonToken.START_ARRAY) {
            throw new IOException("not a JSON array");
          }
        }
        JsonToken t = parser.nextToken();
        if (t == JsonToken.END_ARRAY || t == null) {
          if (t == null) {
            return RawRow.failed(source, index, BadConversation.INVALID_JSON, "the JSON array is not closed (file "
                + "truncated?) after " + index + " rows");
          }
          return null;
        }
        JsonNode node = parser.readValueAsTree();
        return RawRow.of(source, index++, JSON.writeValueAsString(node));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        done = true;
        return RawRow.failed(source, index, BadConversation.INVALID_JSON, "the JSON array breaks off after "
            + index + " rows: " + e.getOriginalMessage());
      }
    }
  }
}
