package io.llmforge.pipeline.ingest;

import java.util.NoSuchElementException;

/**
 * The iterator half of a streaming source: subclasses produce one item at a time in {@link #advance()}, which
 * returns null at the end (after setting {@code finished}); a failure found while opening can be queued in
 * {@code pending} before the first call.
 */
abstract class LookaheadSource implements SourceIterator {
  protected InputItem pending;
  protected boolean finished;
  protected long itemsEmitted;

  /** The next item, or null when the source is exhausted. */
  protected abstract InputItem advance();

  @Override
  public final boolean hasNext() {
    if (pending == null && !finished) {
      pending = advance();
    }
    return pending != null;
  }

  @Override
  public final InputItem next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    InputItem item = pending;
    pending = null;
    itemsEmitted++;
    return item;
  }
}
