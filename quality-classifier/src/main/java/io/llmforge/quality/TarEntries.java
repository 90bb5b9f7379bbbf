package io.llmforge.quality;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The text files inside a tar or tar.gz archive (a mail corpus, a packaged data set), read as UTF-8 with bad
 * bytes replaced. Uses commons-compress, which Spark already ships, so long and PAX names work.
 */
public final class TarEntries {
  private TarEntries() {}

  /** One archive member. */
  public record Entry(String path, String text) {}

  /**
   * Every regular file whose path matches {@code glob}, in archive order; files over {@code maxBytes} are
   * skipped rather than held in memory.
   */
  public static List<Entry> read(InputStream raw, String glob, long maxBytes) throws IOException {
    Pattern pattern = globPattern(glob);
    List<Entry> entries = new ArrayList<>();
    InputStream in = new BufferedInputStream(raw);
    in.mark(2);
    boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
    in.reset();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(gzip ? new GZIPInputStream(in, 1 << 16) : in)) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextTarEntry()) != null) {
        if (!entry.isFile() || entry.getSize() > maxBytes || !pattern.matcher(entry.getName()).matches()) {
          continue;
        }
        byte[] bytes = tar.readNBytes((int) entry.getSize());
        entries.add(new Entry(entry.getName(), new String(bytes, StandardCharsets.UTF_8)));
      }
    }
    return entries;
  }

  /** {@code *} matches within one path part, {@code **} across parts, {@code ?} one char; the rest is literal. */
  static Pattern globPattern(String glob) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
        regex.append(".*");
        i++;
      } else if (c == '*') {
        regex.append("[^/]*");
      } else if (c == '?') {
        regex.append("[^/]");
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString());
  }
}
