package io.llmforge.pipeline.ingest;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.netpreserve.jwarc.HttpRequest;
import org.netpreserve.jwarc.HttpResponse;
import org.netpreserve.jwarc.MediaType;
import org.netpreserve.jwarc.WarcCompression;
import org.netpreserve.jwarc.WarcConversion;
import org.netpreserve.jwarc.WarcRequest;
import org.netpreserve.jwarc.WarcResponse;
import org.netpreserve.jwarc.WarcWriter;

/**
 * Writes captures as WARC/1.1 records through jwarc: the demo's generated crawl and the test fixtures are real
 * WARC files, read back by the same code path as a Common Crawl file.
 */
public final class WarcPageWriter implements Closeable {
  private final WarcWriter writer;

  /** @param gzip one gzip member per record, as Common Crawl writes them */
  public WarcPageWriter(OutputStream out, boolean gzip) throws IOException {
    this.writer = new WarcWriter(Channels.newChannel(out), gzip ? WarcCompression.GZIP : WarcCompression.NONE);
  }

  /** An HTTP response record; {@code contentType} is the full header value, e.g. {@code text/html; charset=utf-8}. */
  public void writeResponse(String url, Instant date, int status, String contentType, byte[] body) throws IOException {
    HttpResponse http = new HttpResponse.Builder(status, status == 200 ? "OK" : "Status " + status)
        .body(MediaType.parse(contentType), body)
        .build();
    writer.write(new WarcResponse.Builder(url).date(date).body(http).build());
  }

  public void writeHtml(String url, Instant date, String html) throws IOException {
    writeResponse(url, date, 200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
  }

  /** A request record: real crawls interleave them with responses; readers must skip them. */
  public void writeRequest(String url, Instant date) throws IOException {
    HttpRequest http = new HttpRequest.Builder("GET", url).build();
    writer.write(new WarcRequest.Builder(url).date(date).body(http).build());
  }

  /** A WET-style conversion record holding extracted plain text. */
  public void writeConversion(String url, Instant date, String text) throws IOException {
    writer.write(new WarcConversion.Builder()
        .addHeader("WARC-Target-URI", url)
        .date(date)
        .body(MediaType.PLAIN_TEXT, text.getBytes(StandardCharsets.UTF_8))
        .build());
  }

  @Override
  public void close() throws IOException {
    writer.close();
  }
}
