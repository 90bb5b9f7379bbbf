package io.llmforge.pipeline.clean;

/** Which documents lose a paragraph that occurs in more than {@code max-occurrences} documents. */
public enum ParagraphDedupPolicy {
  /**
   * The first document that has it keeps it (earliest capture, then smallest doc_id, then input position: the
   * order exact dedup uses), every other document loses it; no text is lost from the corpus, only its repeats.
   */
  KEEP_FIRST,
  /** Every document loses it: for boilerplate that carries nothing worth one copy (cookie walls, share bars). */
  DROP_ALL
}
