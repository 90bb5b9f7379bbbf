package io.llmforge.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

class TarEntriesTest {

  static byte[] tar(boolean gzip, String... pathsAndTexts) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    OutputStream out = gzip ? new GZIPOutputStream(bytes) : bytes;
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.putArchiveEntry(new TarArchiveEntry("easy-ham-1/"));
      tar.closeArchiveEntry();
      for (int i = 0; i < pathsAndTexts.length; i += 2) {
        byte[] data = pathsAndTexts[i + 1].getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(pathsAndTexts[i]);
        entry.setSize(data.length);
        tar.putArchiveEntry(entry);
        tar.write(data);
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  @Test
  void readsMatchingFilesFromGzipAndPlainTar() throws IOException {
    String longName = "spam-2/" + "x".repeat(150) + ".txt";
    for (boolean gzip : new boolean[] {true, false}) {
      byte[] archive = tar(gzip, "easy-ham-1/001.txt", "hello ham", longName, "buy now", "hard-ham-1/002.txt", "café");
      List<TarEntries.Entry> ham = TarEntries.read(new ByteArrayInputStream(archive), "*ham*/**", 1 << 20);
      assertEquals(List.of(new TarEntries.Entry("easy-ham-1/001.txt", "hello ham"),
          new TarEntries.Entry("hard-ham-1/002.txt", "café")), ham);
      List<TarEntries.Entry> spam = TarEntries.read(new ByteArrayInputStream(archive), "spam*/**", 1 << 20);
      assertEquals(List.of(new TarEntries.Entry(longName, "buy now")), spam);
    }
  }

  @Test
  void skipsEntriesOverTheSizeLimit() throws IOException {
    byte[] archive = tar(true, "a.txt", "short", "b.txt", "much longer text");
    assertEquals(1, TarEntries.read(new ByteArrayInputStream(archive), "**", 10).size());
  }

  @Test
  void globStarsStayWithinAFolderDoubleStarsCross() {
    assertTrue(TarEntries.globPattern("spam*/*").matcher("spam-1/0001.txt").matches());
    assertFalse(TarEntries.globPattern("spam*/*").matcher("spam-1/sub/0001.txt").matches());
    assertTrue(TarEntries.globPattern("**").matcher("spam-1/sub/0001.txt").matches());
    assertFalse(TarEntries.globPattern("*ham*/**").matcher("spam-1/0001.txt").matches());
    assertTrue(TarEntries.globPattern("a?c.txt").matcher("abc.txt").matches());
    assertFalse(TarEntries.globPattern("a.c").matcher("abc").matches(), "dots are literal");
  }
}
