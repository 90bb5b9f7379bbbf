package io.llmforge.quality;

/** How a training source is read; see {@code conf/classify-train.conf} for the keys each format uses. */
public enum SourceFormat {
  /** documents/ Parquet (the clean or dedup job's output): {@code text}, split by {@code doc_id}. */
  DOCUMENTS,
  /** One JSON object a line (gzip allowed); the text is in {@code text-field}. */
  JSONL,
  /** CSV with a header row, quoted fields may span lines; the text is in {@code text-field}. */
  CSV,
  /** One document a line; {@code tab-column} picks one tab-separated column (e.g. Europarl's body). */
  TEXT_LINES,
  /** A text file cut into document-sized chunks of about {@code chunk-chars} at sentence ends. */
  TEXT_PARAGRAPHS,
  /** A tar or tar.gz archive, one document per entry whose path matches {@code entries} (e.g. a mail corpus). */
  TAR,
  /** Generated well-written articles ({@code pipeline.demo.SyntheticText}): positives for the demo. */
  SYNTHETIC_ARTICLES,
  /** Generated low-quality web text (menus, keyword stuffing, listings, spam): negatives for the demo. */
  SYNTHETIC_WEB
}
