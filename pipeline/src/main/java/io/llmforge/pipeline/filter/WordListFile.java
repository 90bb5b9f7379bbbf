package io.llmforge.pipeline.filter;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads a block or word list in either of the formats in use: one entry per line (UT1 {@code domains}/{@code urls},
 * datatrove's {@code banned_words.txt}, LDNOOBW; blank lines and lines starting with "#" skipped), or a JSON array
 * of strings (the npm {@code naughty-words} package). The format is told by the first non-blank character ("["
 * means JSON). Gzip is recognised by its magic bytes, so {@code .gz} files need no special name. UTF-8; a byte
 * order mark is ignored.
 */
final class WordListFile {
  private WordListFile() {}

  /** The entries of the stream, which is closed. */
  static List<String> read(InputStream raw, String name) {
    try (InputStream in = maybeGunzip(raw)) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      if (text.startsWith("\uFEFF")) {
        text = text.substring(1);
      }
      String trimmed = Words.lstrip(text);
      return trimmed.startsWith("[") ? parseJsonArray(trimmed, name) : parseLines(text);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read word list " + name, e);
    }
  }

  private static InputStream maybeGunzip(InputStream raw) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw);
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    return b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(in) : in;
  }

  static List<String> parseLines(String text) {
    List<String> out = new ArrayList<>();
    for (String line : Words.lines(text)) {
      String entry = Words.strip(line);
      if (!entry.isEmpty() && !entry.startsWith("#")) {
        out.add(entry);
      }
    }
    return out;
  }

  /** A JSON array of strings: {@code ["a", "b\u00e9"]}. Anything else is an error naming the position. */
  static List<String> parseJsonArray(String json, String name) {
    List<String> out = new ArrayList<>();
    int i = skipSpace(json, 0);
    i = expect(json, i, '[', name);
    i = skipSpace(json, i);
    if (i < json.length() && json.charAt(i) == ']') {
      return out;
    }
    while (true) {
      i = skipSpace(json, i);
      i = expect(json, i, '"', name);
      StringBuilder sb = new StringBuilder();
      while (true) {
        if (i >= json.length()) {
          throw error(name, i, "unterminated string");
        }
        char c = json.charAt(i++);
        if (c == '"') {
          break;
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        if (i >= json.length()) {
          throw error(name, i, "unterminated escape");
        }
        char esc = json.charAt(i++);
        switch (esc) {
          case '"', '\\', '/' -> sb.append(esc);
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            if (i + 4 > json.length()) {
              throw error(name, i, "short \\u escape");
            }
            try {
              sb.append((char) Integer.parseInt(json.substring(i, i + 4), 16));
            } catch (NumberFormatException e) {
              throw error(name, i, "bad \\u escape");
            }
            i += 4;
          }
          default -> throw error(name, i, "bad escape \\" + esc);
        }
      }
      String entry = Words.strip(sb.toString());
      if (!entry.isEmpty()) {
        out.add(entry);
      }
      i = skipSpace(json, i);
      if (i < json.length() && json.charAt(i) == ',') {
        i++;
        continue;
      }
      expect(json, i, ']', name);
      return out;
    }
  }

  private static int skipSpace(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static int expect(String s, int i, char c, String name) {
    if (i >= s.length() || s.charAt(i) != c) {
      throw error(name, i, "expected '" + c + "'");
    }
    return i + 1;
  }

  private static IllegalArgumentException error(String name, int at, String what) {
    return new IllegalArgumentException("word list " + name + " is not a JSON array of strings: " + what
        + " at character " + at);
  }
}
