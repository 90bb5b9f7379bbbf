package io.llmforge.pipeline.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;

/** Opens a file at a byte offset, so a reader can skip past a corrupt region and pick up the next record. */
@FunctionalInterface
public interface RangeOpener extends Serializable {
  InputStream openAt(long offset) throws IOException;
}
