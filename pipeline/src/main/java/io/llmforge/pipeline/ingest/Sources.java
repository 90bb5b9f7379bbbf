package io.llmforge.pipeline.ingest;

import java.io.IOException;

/** Picks the reader for a file's format. */
public final class Sources {
  private Sources() {}

  /**
   * Opens one input file. WARC files are read through the opener so that reading can resume after a corrupt
   * record; the other formats are read front to back. Never throws: an unopenable file is one failure item.
   */
  public static SourceIterator open(String source, InputFormat format, RangeOpener opener, ReadOptions options) {
    if (format == InputFormat.WARC) {
      return new WarcSource(source, opener, options.maxPageBytes());
    }
    try {
      return switch (format) {
        case JSONL -> new JsonlSource(source, opener.openAt(0), options);
        case HTML -> new SingleFileSource(source, opener.openAt(0), "text/html", options);
        case TEXT -> new SingleFileSource(source, opener.openAt(0), "text/plain", options);
        case WARC -> throw new AssertionError("handled above");
      };
    } catch (IOException e) {
      return new SingleItemSource(new ReadFailure(source, 0, null, "unreadable_file: " + WarcSource.describe(e)));
    }
  }
}
