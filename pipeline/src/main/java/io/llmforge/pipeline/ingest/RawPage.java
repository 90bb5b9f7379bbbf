package io.llmforge.pipeline.ingest;

import java.time.Instant;

/**
 * A captured page before extraction.
 *
 * @param source      input file
 * @param offset      byte offset of the record in the (possibly compressed) file, -1 if unknown
 * @param url         target URL (may be null for local HTML files without one)
 * @param crawlDate   capture time, null if unknown
 * @param contentType lower-case media type without parameters, e.g. {@code text/html}
 * @param charset     declared charset (HTTP header), null if none
 * @param body        payload bytes, decoded of any HTTP transfer/content encoding; empty for unsupported types
 */
public record RawPage(String source, long offset, String url, Instant crawlDate, String contentType, String charset,
                      byte[] body) implements InputItem {

  public boolean isHtml() {
    return contentType.equals("text/html") || contentType.equals("application/xhtml+xml");
  }

  public boolean isPlainText() {
    return contentType.equals("text/plain");
  }
}
