package io.llmforge.pipeline.filter;

import io.llmforge.pipeline.document.Document;
import java.io.Serializable;

/**
 * A pure function from a document to a keep/reject decision plus the signals behind it. Filters never
 * touch Spark; the clean job composes them in a fixed order and the first rejection wins, but every
 * filter's signals are still recorded.
 */
public interface DocumentFilter extends Serializable {

  /** Stable short name, used as {@code reject_stage} and as the prefix of its signal keys. */
  String name();

  Verdict apply(Document doc);
}
