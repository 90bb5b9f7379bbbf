package io.llmforge.pipeline.ingest;

import java.io.Serializable;

/**
 * How input files are read.
 *
 * @param maxPageBytes  payloads (or JSONL lines, or single files) larger than this become {@code oversized_page}
 *                      rejects instead of being held in memory
 * @param jsonTextField JSONL field holding the document text
 * @param jsonUrlField  JSONL field holding the URL (optional in the data)
 * @param jsonDateField JSONL field holding an ISO-8601 capture date (optional in the data)
 */
public record ReadOptions(long maxPageBytes, String jsonTextField, String jsonUrlField, String jsonDateField)
    implements Serializable {

  public ReadOptions {
    if (maxPageBytes <= 0) {
      throw new IllegalArgumentException("maxPageBytes must be positive: " + maxPageBytes);
    }
  }

  public static ReadOptions defaults() {
    return new ReadOptions(16L << 20, "text", "url", "timestamp");
  }
}
