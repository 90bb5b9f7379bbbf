package io.llmforge.pipeline.ingest;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.ZipException;
import org.netpreserve.jwarc.HttpResponse;
import org.netpreserve.jwarc.MediaType;
import org.netpreserve.jwarc.ParsingException;
import org.netpreserve.jwarc.WarcCompression;
import org.netpreserve.jwarc.WarcConversion;
import org.netpreserve.jwarc.WarcReader;
import org.netpreserve.jwarc.WarcRecord;
import org.netpreserve.jwarc.WarcResource;
import org.netpreserve.jwarc.WarcResponse;
import org.netpreserve.jwarc.WarcTargetRecord;

/**
 * Streams the pages of one WARC, WET or ARC file (plain or gzip, detected by jwarc) as {@link InputItem}s.
 *
 * <p>Only records that carry a capture are input: {@code response} (WARC and ARC), {@code resource} and
 * {@code conversion} (WET). Request, metadata, revisit and warcinfo records are counted in
 * {@link #skippedRecords()} but are not documents.
 *
 * <p>A read error never escapes. A corrupt record becomes one {@link ReadFailure}; then, when the file can be
 * reopened at an offset, reading resumes at the next possible record start (next gzip member, or next
 * {@code WARC/} line), so one bad record never costs the good records after it. A truncated file ends with one
 * failure, keeping every record read before the cut.
 */
public final class WarcSource extends LookaheadSource {
  private static final Set<String> TEXT_TYPES = Set.of("text/html", "application/xhtml+xml", "text/plain");
  private static final int MAX_FAILURES_PER_FILE = 1000;

  private final String source;
  private final RangeOpener opener;
  private final long maxPageBytes;
  private WarcReader reader;
  private long readerBase;
  private boolean gzip;
  private long skippedRecords;
  private int failures;

  /** Reads a stream front to back; after a corrupt record the rest of the stream is given up. */
  public WarcSource(String source, InputStream in, long maxPageBytes) {
    this(source, (RangeOpener) null, maxPageBytes);
    open(in);
  }

  /** Reads a file that can be reopened at an offset, resuming after corrupt records. */
  public WarcSource(String source, RangeOpener opener, long maxPageBytes) {
    this.source = source;
    this.opener = opener;
    this.maxPageBytes = maxPageBytes;
    if (opener != null) {
      try {
        open(opener.openAt(0));
      } catch (IOException e) {
        fail(new ReadFailure(source, 0, null, "unreadable_file: " + describe(e)));
      }
    }
  }

  private void open(InputStream in) {
    try {
      reader = new WarcReader(Channels.newChannel(in));
      reader.setLenient(true);
      gzip = reader.compression() == WarcCompression.GZIP;
    } catch (EOFException e) {
      close(in);
      fail(new ReadFailure(source, 0, null, "empty_file: no bytes"));
    } catch (IOException | RuntimeException e) {
      close(in);
      fail(new ReadFailure(source, 0, null, "unreadable_file: " + describe(e)));
    }
  }

  private void fail(ReadFailure failure) {
    reader = null;
    finished = true;
    pending = failure;
  }

  public long skippedRecords() {
    return skippedRecords;
  }

  @Override
  protected InputItem advance() {
    while (true) {
      long position = readerBase + reader.position();
      Optional<WarcRecord> next;
      try {
        next = reader.next();
      } catch (IOException | RuntimeException e) {
        // jwarc moves its position to a record's start before parsing it, so after a failure it names the
        // record that failed (or the previous one, when finishing that one's body was what failed).
        return afterCorruptRecord(readerBase + reader.position(), e);
      }
      if (next.isEmpty()) {
        finished = true;
        closeReader();
        return itemsEmitted == 0 && skippedRecords == 0 && failures == 0
            ? new ReadFailure(source, 0, null, "empty_file: no WARC/ARC records") : null;
      }
      WarcRecord record = next.get();
      if (record instanceof WarcResponse || record instanceof WarcResource || record instanceof WarcConversion) {
        return toItem((WarcTargetRecord) record, position);
      }
      skippedRecords++;
    }
  }

  private InputItem afterCorruptRecord(long position, Exception e) {
    failures++;
    boolean truncated = e instanceof EOFException || e instanceof ZipException;
    ReadFailure failure = new ReadFailure(source, position, null,
        (truncated ? "truncated_input: " : "malformed_record: ") + describe(e));
    closeReader();
    finished = opener == null || failures >= MAX_FAILURES_PER_FILE || !reopenAfter(position);
    return failure;
  }

  /** Points the reader at the next record start after {@code position} that jwarc can open; false if none. */
  private boolean reopenAfter(long position) {
    long from = position + 1;
    try {
      while (true) {
        long resume = RecordStartScanner.next(opener, from, gzip);
        if (resume < 0) {
          return false;
        }
        InputStream in = opener.openAt(resume);
        try {
          reader = new WarcReader(Channels.newChannel(in));
          reader.setLenient(true);
          readerBase = resume;
          return true;
        } catch (IOException | RuntimeException e) {
          close(in);
          from = resume + 1;
        }
      }
    } catch (IOException e) {
      return false;
    }
  }

  private InputItem toItem(WarcTargetRecord record, long offset) {
    String url = record.target();
    try {
      if (record instanceof WarcResponse response && isHttp(response)) {
        HttpResponse http = response.http();
        if (http.status() < 200 || http.status() >= 300) {
          return new ReadFailure(source, offset, url, "http_status: " + http.status());
        }
        MediaType type = http.contentType();
        return page(record, offset, url, type, () -> http.bodyDecoded().stream());
      }
      return page(record, offset, url, record.contentType(), () -> record.body().stream());
    } catch (ParsingException e) {
      return new ReadFailure(source, offset, url, "malformed_http: " + describe(e));
    } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
      return new ReadFailure(source, offset, url, "unreadable_payload: " + describe(e));
    }
  }

  private static boolean isHttp(WarcResponse response) {
    if (response.version().getProtocol().equals("ARC")) {
      // ARC has no record type: HTTP captures are told apart from dns: and ftp: ones by their URL.
      String target = response.target();
      return target != null && target.regionMatches(true, 0, "http", 0, 4);
    }
    return response.contentType().base().toString().startsWith("application/http");
  }

  private interface BodyOpener {
    InputStream open() throws IOException;
  }

  private InputItem page(WarcTargetRecord record, long offset, String url, MediaType type, BodyOpener body)
      throws IOException {
    String base = type == null ? "application/octet-stream" : type.base().toString().toLowerCase(Locale.ROOT);
    Map<String, String> params = type == null ? Map.of() : type.parameters();
    String charset = params.get("charset");
    if (!TEXT_TYPES.contains(base)) {
      return new RawPage(source, offset, url, record.date(), base, charset, new byte[0]);
    }
    byte[] bytes;
    try (InputStream in = body.open()) {
      bytes = BoundedRead.readAtMost(in, maxPageBytes);
    }
    if (bytes == null) {
      return new ReadFailure(source, offset, url, "oversized_page: more than " + maxPageBytes + " bytes");
    }
    return new RawPage(source, offset, url, record.date(), base, charset, bytes);
  }

  static String describe(Throwable e) {
    String message = e.getMessage();
    String text = e.getClass().getSimpleName() + (message == null ? "" : " " + message);
    return text.length() > 300 ? text.substring(0, 300) : text;
  }

  private void closeReader() {
    if (reader != null) {
      try {
        reader.close();
      } catch (IOException ignored) {
        // Nothing more is read from it.
      }
      reader = null;
    }
  }

  private static void close(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // Already failed; the failure is reported.
    }
  }

  @Override
  public void close() {
    closeReader();
  }
}
