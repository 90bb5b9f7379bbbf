package io.llmforge.trainer.preference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.pipeline.tokenizer.SmallFiles;
import io.llmforge.trainer.sft.SftManifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code manifest.json} of a {@code pref-prepare} output: the tokenizer (sha256) and template the rows were rendered
 * with, the row limit, counts and the created_at range per split, every written Parquet file with its rows and
 * SHA-256, and every input file with its SHA-256 and rows read / kept (a reward model's data-manifest.json is built
 * from it).
 */
public record PreferenceManifest(String tokenizerSha256, int vocabSize, int maxTokens, Map<String, Split> splits,
    List<SftManifest.DataFile> files, List<InputFile> inputs) {

  public static final String FILE = "manifest.json";
  public static final String FORMAT = "llmforge-prefs/1";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * Rows of a split, the range of their created_at (ms; 0 when empty), and how many were cut to fit
   * (pref-prepare.truncate).
   */
  public record Split(long rows, long tokens, long truncated, long oldestCreatedAt, long newestCreatedAt) {
    static final Split EMPTY = new Split(0, 0, 0, 0, 0);
  }

  /** @param rows rows read from it; {@code kept} of them rendered, the rest rejected */
  public record InputFile(String file, String sha256, long rows, long kept) {}

  public PreferenceManifest {
    splits = Map.copyOf(splits);
    files = List.copyOf(files);
    inputs = List.copyOf(inputs);
  }

  public Split split(String name) {
    return splits.getOrDefault(name, Split.EMPTY);
  }

  public List<SftManifest.DataFile> filesOf(String split) {
    return files.stream().filter(f -> f.split().equals(split)).toList();
  }

  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("tokenizer_sha256", tokenizerSha256);
    root.put("vocab_size", vocabSize);
    root.put("max_tokens", maxTokens);
    root.put("template", SftManifest.TEMPLATE);
    ObjectNode s = root.putObject("splits");
    for (String name : List.of(PreferenceRenderer.TRAIN, PreferenceRenderer.VAL, PreferenceRenderer.UNPAIRED)) {
      Split x = split(name);
      ObjectNode n = s.putObject(name);
      n.put("rows", x.rows());
      n.put("tokens", x.tokens());
      n.put("truncated", x.truncated());
      n.put("oldest_created_at", x.rows() == 0 ? null : Instant.ofEpochMilli(x.oldestCreatedAt()).toString());
      n.put("newest_created_at", x.rows() == 0 ? null : Instant.ofEpochMilli(x.newestCreatedAt()).toString());
    }
    SftManifest.putFiles(root, files);
    var in = root.putArray("inputs");
    for (InputFile f : inputs) {
      ObjectNode n = in.addObject();
      n.put("file", f.file());
      n.put("sha256", f.sha256());
      n.put("rows", f.rows());
      n.put("kept", f.kept());
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static PreferenceManifest parse(String json, String where) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException(where + " is not JSON: " + e.getMessage(), e);
    }
    if (!FORMAT.equals(root.path("format").asText())) {
      throw new IllegalArgumentException(where + " is not a pref-prepare manifest (format '"
          + root.path("format").asText() + "', expected " + FORMAT + "); run pref-prepare on the preferences");
    }
    Map<String, Split> splits = new LinkedHashMap<>();
    root.path("splits").fields().forEachRemaining(e -> {
      JsonNode n = e.getValue();
      splits.put(e.getKey(), new Split(n.path("rows").asLong(), n.path("tokens").asLong(),
          n.path("truncated").asLong(), millis(n, "oldest"),
          millis(n, "newest")));
    });
    List<SftManifest.DataFile> files = SftManifest.files(root);
    List<InputFile> inputs = new ArrayList<>();
    for (JsonNode n : root.path("inputs")) {
      inputs.add(new InputFile(n.path("file").asText(), n.path("sha256").asText(), n.path("rows").asLong(),
          n.path("kept").asLong()));
    }
    return new PreferenceManifest(root.path("tokenizer_sha256").asText(), root.path("vocab_size").asInt(),
        root.path("max_tokens").asInt(), splits, files, inputs);
  }

  private static long millis(JsonNode split, String which) {
    JsonNode v = split.path(which + "_created_at");
    return v.isTextual() ? Instant.parse(v.asText()).toEpochMilli() : 0;
  }

  /** Reads {@code <folder>/manifest.json} from any Hadoop filesystem. */
  public static PreferenceManifest read(Configuration conf, String folder) {
    String path = new Path(folder, FILE).toString();
    return parse(new String(SmallFiles.read(conf, path), StandardCharsets.UTF_8), path);
  }
}
