package io.llmforge.pipeline.ingest;

import java.io.Closeable;
import java.util.Iterator;

/** The items of one input file, streamed; closing releases the file. */
public interface SourceIterator extends Iterator<InputItem>, Closeable {

  /** Records read but not counted as input (WARC request/metadata/warcinfo/revisit). */
  default long skippedRecords() {
    return 0;
  }
}
