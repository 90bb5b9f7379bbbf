package io.llmforge.pipeline.shards;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.Sha256;
import io.llmforge.pipeline.tokenizer.SmallFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code manifest.json} of a shards folder (DESIGN.md, "shards"): which tokenizer made the ids, the row shape,
 * token counts per split, the source mixture, and every shard file with its row count and SHA-256. The trainer
 * reads it first and refuses shards whose tokenizer is not its own ({@link #verifyAgainst}).
 *
 * @param tokenizerSha256 SHA-256 of the canonical {@code tokenizer.json} next to the shards, which equals
 *                        {@link ByteLevelBpe#fingerprint()} of that tokenizer
 * @param rowLength       ids per row: {@code seqLen + 1} (inputs and the targets shifted by one)
 * @param mixtureColumn   the column the mixture is counted by ({@code source} or {@code domain})
 * @param mixture         the training split's share of tokens per source, largest first
 */
public record ShardManifest(
    String format,
    String tokenizerSha256,
    int vocabSize,
    int endOfTextId,
    int seqLen,
    int rowLength,
    long seed,
    double valFraction,
    Map<String, Split> splits,
    String mixtureColumn,
    List<MixtureEntry> mixture,
    List<Shard> shards) {

  public static final String FILE = "manifest.json";
  public static final String TOKENIZER_FILE = "tokenizer.json";
  public static final String FORMAT = "llmforge-shards/1";
  public static final String TRAIN = "train";
  public static final String VAL = "val";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * @param documents    distinct documents in the split
   * @param copies       documents after repeats by sample weight
   * @param tokens       tokens of all copies, separators included
   * @param rows         packed rows of {@code rowLength} ids
   * @param droppedTokens tokens left over at the end of packing partitions (less than a row each)
   */
  public record Split(long documents, long copies, long tokens, long rows, long droppedTokens) {}

  public record MixtureEntry(String name, long documents, long tokens, double share) {}

  /** @param file path relative to the manifest, e.g. {@code train/shard-00000.parquet} */
  public record Shard(String split, String file, long rows, String sha256) {}

  public ShardManifest {
    splits = Collections.unmodifiableMap(new LinkedHashMap<>(splits));
    mixture = List.copyOf(mixture);
    shards = List.copyOf(shards);
  }

  /** The shards of one split, in order. */
  public List<Shard> shardsOf(String split) {
    return shards.stream().filter(s -> s.split().equals(split)).toList();
  }

  /**
   * Fails unless these shards were tokenized by {@code tokenizer}: same canonical tokenizer.json and vocabulary
   * size. Training on ids from another tokenizer produces a model that silently speaks nonsense.
   */
  public void verifyAgainst(ByteLevelBpe tokenizer) {
    if (!tokenizer.fingerprint().equals(tokenizerSha256) || tokenizer.vocabSize() != vocabSize) {
      throw new IllegalStateException("shards were tokenized with tokenizer " + shortSha(tokenizerSha256)
          + " (vocab " + vocabSize + "), but the given tokenizer is " + shortSha(tokenizer.fingerprint())
          + " (vocab " + tokenizer.vocabSize() + "); train with the tokenizer.json stored next to the shards");
    }
    if (tokenizer.endOfTextId() != endOfTextId) {
      throw new IllegalStateException("shards separate documents with id " + endOfTextId + ", the tokenizer's "
          + "<|endoftext|> is " + tokenizer.endOfTextId());
    }
  }

  /** Re-hashes every shard file under {@code folder} and fails on the first that differs from the manifest. */
  public void verifyFiles(Configuration conf, String folder) {
    for (Shard shard : shards) {
      Path p = new Path(folder, shard.file());
      try (InputStream in = p.getFileSystem(conf).open(p)) {
        String sha = Sha256.hex(in);
        if (!sha.equals(shard.sha256())) {
          throw new IllegalStateException(p + " is corrupt or was replaced: sha256 " + sha + ", manifest says "
              + shard.sha256());
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read shard " + p, e);
      }
    }
  }

  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", format);
    root.put("tokenizer_sha256", tokenizerSha256);
    root.put("tokenizer_file", TOKENIZER_FILE);
    root.put("vocab_size", vocabSize);
    root.put("eot_id", endOfTextId);
    root.put("seq_len", seqLen);
    root.put("row_length", rowLength);
    root.put("seed", seed);
    root.put("val_fraction", valFraction);
    ObjectNode splitsNode = root.putObject("splits");
    splits.forEach((name, s) -> {
      ObjectNode n = splitsNode.putObject(name);
      n.put("documents", s.documents());
      n.put("copies", s.copies());
      n.put("tokens", s.tokens());
      n.put("rows", s.rows());
      n.put("dropped_tokens", s.droppedTokens());
    });
    ObjectNode mix = root.putObject("mixture");
    mix.put("column", mixtureColumn);
    mix.put("split", TRAIN);
    ArrayNode entries = mix.putArray("entries");
    for (MixtureEntry e : mixture) {
      entries.addObject().put("name", e.name()).put("documents", e.documents()).put("tokens", e.tokens())
          .put("share", e.share());
    }
    ArrayNode files = root.putArray("shards");
    for (Shard s : shards) {
      files.addObject().put("split", s.split()).put("file", s.file()).put("rows", s.rows()).put("sha256", s.sha256());
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of plain values always serialises", e);
    }
  }

  public static ShardManifest parse(String json) {
    try {
      JsonNode root = JSON.readTree(json);
      if (!FORMAT.equals(root.path("format").asText())) {
        throw new IllegalArgumentException("not an llmforge shard manifest (format '" + root.path("format").asText()
            + "', expected " + FORMAT + ")");
      }
      Map<String, Split> splits = new LinkedHashMap<>();
      root.path("splits").fields().forEachRemaining(e -> {
        JsonNode n = e.getValue();
        splits.put(e.getKey(), new Split(n.path("documents").asLong(), n.path("copies").asLong(),
            n.path("tokens").asLong(), n.path("rows").asLong(), n.path("dropped_tokens").asLong()));
      });
      List<MixtureEntry> mixture = new ArrayList<>();
      for (JsonNode n : root.path("mixture").path("entries")) {
        mixture.add(new MixtureEntry(n.path("name").asText(), n.path("documents").asLong(), n.path("tokens").asLong(),
            n.path("share").asDouble()));
      }
      List<Shard> shards = new ArrayList<>();
      for (JsonNode n : root.path("shards")) {
        shards.add(new Shard(n.path("split").asText(), n.path("file").asText(), n.path("rows").asLong(),
            n.path("sha256").asText()));
      }
      return new ShardManifest(FORMAT, root.path("tokenizer_sha256").asText(), root.path("vocab_size").asInt(),
          root.path("eot_id").asInt(), root.path("seq_len").asInt(), root.path("row_length").asInt(),
          root.path("seed").asLong(), root.path("val_fraction").asDouble(), splits,
          root.path("mixture").path("column").asText(), mixture, shards);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("manifest.json is not JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Reads {@code <folder>/manifest.json} from any Hadoop filesystem. */
  public static ShardManifest read(Configuration conf, String folder) {
    return parse(new String(SmallFiles.read(conf, new Path(folder, FILE).toString()), StandardCharsets.UTF_8));
  }

  private static String shortSha(String sha) {
    return sha == null || sha.length() < 12 ? String.valueOf(sha) : sha.substring(0, 12);
  }
}
