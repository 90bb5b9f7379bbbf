package io.llmforge.pipeline.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.util.NoSuchElementException;

/** A file that is one document: an HTML page or a plain-text file (plain or gzip). */
public final class SingleFileSource implements SourceIterator {
  private InputItem item;

  public SingleFileSource(String source, InputStream raw, String contentType, ReadOptions options) {
    try (InputStream in = Gzip.maybeDecompress(raw)) {
      byte[] bytes = BoundedRead.readAtMost(in, options.maxPageBytes());
      if (bytes == null) {
        item = new ReadFailure(source, 0, source, "oversized_page: more than " + options.maxPageBytes() + " bytes");
      } else if (bytes.length == 0) {
        item = new ReadFailure(source, 0, source, "empty_file: no bytes");
      } else {
        item = new RawPage(source, 0, source, null, contentType, null, bytes);
      }
    } catch (IOException e) {
      item = new ReadFailure(source, 0, source, "truncated_input: " + WarcSource.describe(e));
    }
  }

  @Override
  public boolean hasNext() {
    return item != null;
  }

  @Override
  public InputItem next() {
    if (item == null) {
      throw new NoSuchElementException();
    }
    InputItem out = item;
    item = null;
    return out;
  }

  @Override
  public void close() {}
}
