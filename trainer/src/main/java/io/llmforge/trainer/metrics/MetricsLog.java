package io.llmforge.trainer.metrics;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object per line, each with a {@code step}. Lines are appended and flushed as
 * training goes; after a resume, {@link #truncateAfter} drops the lines logged after the checkpoint, so the file
 * reads as one uninterrupted run.
 */
public final class MetricsLog {
  public static final String FILE = "metrics.jsonl";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;

  public MetricsLog(Path file) {
    this.file = file;
  }

  public void append(Map<String, Object> metrics) {
    if (!metrics.containsKey("step")) {
      throw new IllegalArgumentException("a metrics line needs a step: " + metrics);
    }
    try {
      Files.writeString(file, JSON.writeValueAsString(metrics) + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + file, e);
    }
  }

  /** Every line, in order; empty when there is no file yet. */
  public List<Map<String, Object>> read() {
    List<Map<String, Object>> lines = new ArrayList<>();
    if (!Files.exists(file)) {
      return lines;
    }
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          lines.add(JSON.readValue(line, new TypeReference<Map<String, Object>>() {}));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return lines;
  }

  /** Keeps only the lines with {@code step <= step}. */
  public void truncateAfter(long step) {
    List<String> kept = new ArrayList<>();
    try {
      for (Map<String, Object> line : read()) {
        if (((Number) line.get("step")).longValue() <= step) {
          kept.add(JSON.writeValueAsString(line));
        }
      }
      if (Files.exists(file)) {
        Files.write(file, kept, StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rewrite " + file, e);
    }
  }
}
