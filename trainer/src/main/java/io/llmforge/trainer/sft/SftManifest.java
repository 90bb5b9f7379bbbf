package io.llmforge.trainer.sft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.pipeline.tokenizer.SmallFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code manifest.json} of an {@code sft-prepare} output: which tokenizer and template made the rows, the row limit,
 * counts per split, and every Parquet file with its rows and SHA-256. The SFT trainer reads it first and refuses
 * data whose tokenizer is not its base model's.
 *
 * @param maxTokens ids per row at most: the base model's block size + 1
 */
public record SftManifest(String tokenizerSha256, int vocabSize, int maxTokens, String template,
    boolean trainOnPrompt, boolean responseOnly, Map<String, Split> splits, List<DataFile> files) {

  public static final String FILE = "manifest.json";
  public static final String FORMAT = "llmforge-sft/1";
  public static final String TEMPLATE = "llmforge-chat/1";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * @param targets    tokens the loss covers
   * @param endTargets of which {@code <|end|>}: 0 means the model would never learn to stop
   */
  public record Split(long conversations, long tokens, long targets, long endTargets, long droppedTurns) {}

  /** @param file relative to the manifest, e.g. {@code train/part-00000-....parquet} */
  public record DataFile(String split, String file, long rows, String sha256) {}

  public SftManifest {
    splits = Map.copyOf(splits);
    files = List.copyOf(files);
  }

  public Split split(String name) {
    return splits.getOrDefault(name, new Split(0, 0, 0, 0, 0));
  }

  public List<DataFile> filesOf(String split) {
    return files.stream().filter(f -> f.split().equals(split)).toList();
  }

  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("tokenizer_sha256", tokenizerSha256);
    root.put("vocab_size", vocabSize);
    root.put("max_tokens", maxTokens);
    root.put("template", template);
    root.put("train_on_prompt", trainOnPrompt);
    root.put("response_only", responseOnly);
    ObjectNode s = root.putObject("splits");
    for (String name : List.of(ConversationRenderer.TRAIN, ConversationRenderer.VAL)) {
      Split x = split(name);
      ObjectNode n = s.putObject(name);
      n.put("conversations", x.conversations());
      n.put("tokens", x.tokens());
      n.put("targets", x.targets());
      n.put("end_targets", x.endTargets());
      n.put("dropped_turns", x.droppedTurns());
    }
    putFiles(root, files);
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static SftManifest parse(String json, String where) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException(where + " is not JSON: " + e.getMessage(), e);
    }
    if (!FORMAT.equals(root.path("format").asText())) {
      throw new IllegalArgumentException(where + " is not an sft-prepare manifest (format '"
          + root.path("format").asText() + "', expected " + FORMAT + "); run sft-prepare on the conversations");
    }
    Map<String, Split> splits = new LinkedHashMap<>();
    root.path("splits").fields().forEachRemaining(e -> {
      JsonNode n = e.getValue();
      splits.put(e.getKey(), new Split(n.path("conversations").asLong(), n.path("tokens").asLong(),
          n.path("targets").asLong(), n.path("end_targets").asLong(), n.path("dropped_turns").asLong()));
    });
    return new SftManifest(root.path("tokenizer_sha256").asText(), root.path("vocab_size").asInt(),
        root.path("max_tokens").asInt(), root.path("template").asText(), root.path("train_on_prompt").asBoolean(),
        root.path("response_only").asBoolean(), splits, files(root));
  }

  /** {@code "files": [{split, file, rows, sha256}]}, as every prepared-data manifest lists its Parquet files. */
  public static void putFiles(ObjectNode root, List<DataFile> files) {
    var list = root.putArray("files");
    for (DataFile f : files) {
      ObjectNode n = list.addObject();
      n.put("split", f.split());
      n.put("file", f.file());
      n.put("rows", f.rows());
      n.put("sha256", f.sha256());
    }
  }

  /** The {@code files} list written by {@link #putFiles}. */
  public static List<DataFile> files(JsonNode root) {
    List<DataFile> files = new ArrayList<>();
    for (JsonNode n : root.path("files")) {
      files.add(new DataFile(n.path("split").asText(), n.path("file").asText(), n.path("rows").asLong(),
          n.path("sha256").asText()));
    }
    return files;
  }

  /** Reads {@code <folder>/manifest.json} from any Hadoop filesystem. */
  public static SftManifest read(Configuration conf, String folder) {
    String path = new Path(folder, FILE).toString();
    return parse(new String(SmallFiles.read(conf, path), StandardCharsets.UTF_8), path);
  }
}
