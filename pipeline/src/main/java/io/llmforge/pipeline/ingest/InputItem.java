package io.llmforge.pipeline.ingest;

import java.io.Serializable;

/**
 * One unit read from an input file: either a page to extract or a failure to keep as a reject. Every input
 * item ends up as exactly one document or one reject, which is what makes {@code documents + rejects = input}
 * checkable.
 */
public sealed interface InputItem extends Serializable permits RawPage, ReadFailure {

  /** The input file this item came from. */
  String source();

  /** Where in the source the item starts: a byte offset (WARC), a line number (JSONL), 0 for whole files. */
  long offset();

  /** Unique per input item; used for deterministic tie-breaks between otherwise identical documents. */
  default String key() {
    return source() + "#" + offset();
  }
}
