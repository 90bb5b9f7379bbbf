package io.llmforge.trainer.reward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmforge.trainer.checkpoint.RunFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The reward-model folder (DESIGN.md "reward models"): versions {@code v1}, {@code v2}, ... each a run folder with
 * its checkpoints, {@code metrics.json}, {@code data-manifest.json}, {@code watermark.json}, stats.json and
 * {@code _SUCCESS}; {@code current}, a one-line file naming the promoted version, replaced atomically (write a
 * temporary file, rename over); {@code history.jsonl}, one line per retraining decision. Readers follow
 * {@code current}, so they never see a version that is still training or was not promoted.
 */
public final class RewardVersions {
  public static final String CURRENT = "current";
  public static final String HISTORY = "history.jsonl";
  public static final String METRICS = "metrics.json";
  public static final String DATA_MANIFEST = "data-manifest.json";
  public static final String WATERMARK = "watermark.json";
  private static final Pattern VERSION = Pattern.compile("v(\\d+)");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path root;

  public RewardVersions(Path root) {
    this.root = root;
  }

  /** Whether {@code folder} is a reward-model folder (has a current pointer or a version) rather than a version. */
  public static boolean isRoot(Path folder) {
    return Files.isRegularFile(folder.resolve(CURRENT)) || !new RewardVersions(folder).versions().isEmpty();
  }

  public Path root() {
    return root;
  }

  public static String name(int version) {
    return "v" + version;
  }

  public Path folder(int version) {
    return root.resolve(name(version));
  }

  /** Every version folder, finished or not, oldest first. */
  public List<Integer> versions() {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(root)) {
      List<Integer> out = new ArrayList<>();
      files.filter(Files::isDirectory).forEach(f -> {
        Matcher m = VERSION.matcher(f.getFileName().toString());
        if (m.matches()) {
          out.add(Integer.parseInt(m.group(1)));
        }
      });
      out.sort(null);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + root, e);
    }
  }

  public boolean finished(int version) {
    return Files.isRegularFile(folder(version).resolve(RunFolder.SUCCESS));
  }

  /** The newest version without _SUCCESS (a killed training, to resume), if it is the newest version of all. */
  public Optional<Integer> unfinished() {
    List<Integer> v = versions();
    return v.isEmpty() || finished(v.get(v.size() - 1)) ? Optional.empty() : Optional.of(v.get(v.size() - 1));
  }

  public int next() {
    List<Integer> v = versions();
    return v.isEmpty() ? 1 : v.get(v.size() - 1) + 1;
  }

  /** The promoted version. */
  public Optional<Integer> current() {
    Path pointer = root.resolve(CURRENT);
    if (!Files.isRegularFile(pointer)) {
      return Optional.empty();
    }
    try {
      String name = Files.readString(pointer).strip();
      Matcher m = VERSION.matcher(name);
      if (!m.matches() || !finished(Integer.parseInt(m.group(1)))) {
        throw new IllegalStateException(pointer + " names '" + name + "', which is not a finished version");
      }
      return Optional.of(Integer.parseInt(m.group(1)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + pointer, e);
    }
  }

  public Optional<Path> currentFolder() {
    return current().map(this::folder);
  }

  /** Points {@code current} at a finished version, atomically. */
  public void promote(int version) {
    if (!finished(version)) {
      throw new IllegalStateException(folder(version) + " is not finished; only a finished version is promoted");
    }
    writeAtomically(root.resolve(CURRENT), name(version) + "\n");
  }

  /** The newest created_at (ms) version {@code v} trained on. */
  public long watermark(int version) {
    return read(version, WATERMARK).path("created_at_ms").asLong();
  }

  /**
   * The newest created_at any finished version has trained on, promoted or not: a retraining reads only pairs after
   * it, so a batch whose candidate failed the gate is not retried on every run.
   */
  public long consideredWatermark() {
    long w = Long.MIN_VALUE;
    for (int v : versions()) {
      if (finished(v)) {
        w = Math.max(w, watermark(v));
      }
    }
    return w;
  }

  public JsonNode read(int version, String file) {
    Path f = folder(version).resolve(file);
    try {
      return JSON.readTree(Files.readString(f));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f, e);
    }
  }

  public void write(int version, String file, String json) {
    writeAtomically(folder(version).resolve(file), json);
  }

  public static String watermarkJson(long createdAtMs, long pairs) {
    return "{\n  \"created_at\": \"" + Instant.ofEpochMilli(createdAtMs) + "\",\n  \"created_at_ms\": " + createdAtMs
        + ",\n  \"pairs\": " + pairs + "\n}\n";
  }

  /** Appends one decision line to history.jsonl (one write of a whole line). */
  public void appendHistory(String jsonLine) {
    try {
      Files.createDirectories(root);
      Files.write(root.resolve(HISTORY), (jsonLine.strip() + "\n").getBytes(StandardCharsets.UTF_8),
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + root.resolve(HISTORY), e);
    }
  }

  /** {@code content} (UTF-8) into {@code target} through a temporary file and an atomic rename. */
  public static void writeAtomically(Path target, String content) {
    try {
      Files.createDirectories(target.getParent());
      Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
      Files.writeString(tmp, content);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    }
  }
}
