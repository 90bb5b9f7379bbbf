package io.llmforge.pipeline.ingest;

import java.util.NoSuchElementException;

/** A source of exactly one item, e.g. the failure of a file that could not be opened. */
final class SingleItemSource implements SourceIterator {
  private InputItem item;

  SingleItemSource(InputItem item) {
    this.item = item;
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
