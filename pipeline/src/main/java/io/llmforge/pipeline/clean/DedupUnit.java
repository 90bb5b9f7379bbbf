package io.llmforge.pipeline.clean;

/**
 * What paragraph dedup counts and removes. Extracted text has one block element (a {@code <p>}, a list item, a
 * heading) per line and a blank line between paragraphs ({@code TextNormalizer}); WET records and JSONL text often
 * have no blank lines at all, so {@code LINE} (CCNet's unit: a line of a WET record) is the default.
 */
public enum DedupUnit {
  /** Every non-blank line on its own. */
  LINE,
  /** Runs of lines between blank lines, as one unit. */
  PARAGRAPH
}
