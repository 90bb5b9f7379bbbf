package io.llmforge.pipeline.ingest;

import java.util.Locale;
import java.util.Optional;

/** The input formats the clean job reads; {@link #detect} picks one from a file name. */
public enum InputFormat {
  /** WARC 1.0/1.1 and legacy 0.17/0.18, WET (WARC conversion records), and legacy ARC: all through jwarc. */
  WARC,
  /** One JSON object per line with a text field (C4, Dolma, RedPajama style). */
  JSONL,
  /** One HTML page per file. */
  HTML,
  /** One plain-text document per file. */
  TEXT;

  /** The format a file name implies, ignoring a trailing {@code .gz}; empty for files to skip. */
  public static Optional<InputFormat> detect(String fileName) {
    String name = fileName.toLowerCase(Locale.ROOT);
    if (name.endsWith(".gz")) {
      name = name.substring(0, name.length() - 3);
    }
    if (name.endsWith(".warc") || name.endsWith(".arc") || name.endsWith(".wet")) {
      return Optional.of(WARC);
    }
    if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) {
      return Optional.of(JSONL);
    }
    if (name.endsWith(".html") || name.endsWith(".htm") || name.endsWith(".xhtml")) {
      return Optional.of(HTML);
    }
    if (name.endsWith(".txt")) {
      return Optional.of(TEXT);
    }
    return Optional.empty();
  }

  public static InputFormat parse(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
