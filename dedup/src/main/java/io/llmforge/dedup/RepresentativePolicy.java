package io.llmforge.dedup;

/** Which document of a near-duplicate cluster is kept. Ties always go to the smallest doc_id. */
public enum RepresentativePolicy {
  /** Most characters: the copy with the most content (e.g. not truncated). */
  LONGEST,
  /** Highest quality value ({@code quality_score} or a chosen {@code quality_signals} entry); missing is lowest. */
  QUALITY,
  /** Oldest {@code crawl_date}: the original rather than the copies; a missing date counts as newest. */
  EARLIEST
}
