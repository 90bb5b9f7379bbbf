package io.llmforge.pipeline.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes Hugging Face's {@code tokenizer.json} for byte-level BPE, so a tokenizer trained here loads
 * in {@code tokenizers}/{@code transformers} ({@code PreTrainedTokenizerFast(tokenizer_file=...)}) and the other
 * way round. Written: model {@code BPE} (vocab, merges as {@code "a b"} strings, which every tokenizers version
 * reads), pre-tokenizer {@code Sequence[Split(pattern, Isolated), ByteLevel(use_regex=false)]}, decoder
 * {@code ByteLevel}, and the special tokens as {@code added_tokens} with {@code special=true}.
 *
 * <p>The output is canonical (fixed key order, vocabulary by id), so its SHA-256 identifies the tokenizer:
 * the shard manifest records it and the trainer compares it.
 */
public final class TokenizerJson {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private TokenizerJson() {}

  /** The canonical tokenizer.json text. */
  public static String write(ByteLevelBpe tokenizer) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (Map.Entry<String, Integer> e : tokenizer.specials().entrySet()) {
      ObjectNode t = added.addObject();
      t.put("id", e.getValue());
      t.put("content", e.getKey());
      t.put("single_word", false);
      t.put("lstrip", false);
      t.put("rstrip", false);
      t.put("normalized", false);
      t.put("special", true);
    }
    root.putNull("normalizer");
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "Sequence");
    ArrayNode steps = pre.putArray("pretokenizers");
    ObjectNode split = steps.addObject();
    split.put("type", "Split");
    split.putObject("pattern").put("Regex", tokenizer.preTokenizerKind().huggingFacePattern);
    split.put("behavior", "Isolated");
    split.put("invert", false);
    ObjectNode byteLevel = steps.addObject();
    byteLevel.put("type", "ByteLevel");
    byteLevel.put("add_prefix_space", false);
    byteLevel.put("trim_offsets", true);
    byteLevel.put("use_regex", false);
    ObjectNode post = root.putObject("post_processor");
    post.put("type", "ByteLevel");
    post.put("add_prefix_space", false);
    post.put("trim_offsets", false);
    post.put("use_regex", false);
    ObjectNode decoder = root.putObject("decoder");
    decoder.put("type", "ByteLevel");
    decoder.put("add_prefix_space", false);
    decoder.put("trim_offsets", true);
    decoder.put("use_regex", false);
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.put("ignore_merges", false);
    ObjectNode vocab = model.putObject("vocab");
    for (int id = 0; id < tokenizer.vocabSize(); id++) {
      String s = tokenizer.spelling(id);
      if (s != null) {
        vocab.put(s, id);
      }
    }
    ArrayNode merges = model.putArray("merges");
    for (int r = 0; r < tokenizer.mergeCount(); r++) {
      merges.add(tokenizer.spelling(tokenizer.mergeLeft(r)) + " " + tokenizer.spelling(tokenizer.mergeRight(r)));
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of plain values always serialises", e);
    }
  }

  public static byte[] writeBytes(ByteLevelBpe tokenizer) {
    return write(tokenizer).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Reads a byte-level BPE tokenizer.json: ours, or one from Hugging Face with a GPT-2 or cl100k-style
   * pre-tokenizer. Anything this encoder cannot reproduce exactly (a normalizer, byte fallback, another
   * pre-tokenizer) is refused with the reason, rather than loaded and encoded differently.
   */
  public static ByteLevelBpe read(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a tokenizer.json: " + e.getOriginalMessage(), e);
    }
    JsonNode model = root.path("model");
    require("BPE".equals(model.path("type").asText("BPE")) && model.has("vocab"),
        "model.type must be BPE with a vocab");
    require(!model.path("byte_fallback").asBoolean(false), "byte_fallback BPE is not byte-level BPE");
    require(root.path("normalizer").isNull() || root.path("normalizer").isMissingNode(),
        "normalizers are not supported (llmforge normalises text before tokenizing)");
    PreTokenizer.Kind kind = preTokenizerKind(root.path("pre_tokenizer"));

    Map<String, Integer> vocab = new LinkedHashMap<>();
    int size = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = model.get("vocab").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      vocab.put(e.getKey(), e.getValue().asInt());
      size = Math.max(size, e.getValue().asInt() + 1);
    }
    Map<String, Integer> specials = new LinkedHashMap<>();
    for (JsonNode t : root.path("added_tokens")) {
      int id = t.path("id").asInt();
      specials.put(t.path("content").asText(), id);
      size = Math.max(size, id + 1);
    }
    String[] spellings = new String[size];
    Map<Integer, String> seen = new HashMap<>();
    vocab.forEach((s, id) -> {
      require(id >= 0, "negative id for '" + s + "'");
      spellings[id] = s;
      seen.put(id, s);
    });
    specials.forEach((s, id) -> {
      String existing = seen.get(id);
      require(existing == null || existing.equals(s), "added token " + s + " reuses id " + id + " of '" + existing + "'");
      spellings[id] = s;
    });
    JsonNode mergesNode = model.path("merges");
    int n = mergesNode.size();
    int[] left = new int[n];
    int[] right = new int[n];
    for (int r = 0; r < n; r++) {
      JsonNode m = mergesNode.get(r);
      String a;
      String b;
      if (m.isArray()) {
        a = m.get(0).asText();
        b = m.get(1).asText();
      } else {
        String s = m.asText();
        int space = s.indexOf(' ');
        require(space > 0 && s.indexOf(' ', space + 1) < 0, "merge " + r + " '" + s + "' is not 'left right'");
        a = s.substring(0, space);
        b = s.substring(space + 1);
      }
      Integer la = vocab.get(a);
      Integer rb = vocab.get(b);
      require(la != null && rb != null, "merge " + r + " uses a token missing from the vocab: " + a + " " + b);
      left[r] = la;
      right[r] = rb;
    }
    return new ByteLevelBpe(kind, spellings, left, right, specials);
  }

  public static ByteLevelBpe read(byte[] utf8) {
    return read(new String(utf8, StandardCharsets.UTF_8));
  }

  private static PreTokenizer.Kind preTokenizerKind(JsonNode pre) {
    String type = pre.path("type").asText();
    if ("ByteLevel".equals(type)) {
      require(pre.path("use_regex").asBoolean(true) && !pre.path("add_prefix_space").asBoolean(false),
          "ByteLevel pre-tokenizer must use its regex and no prefix space");
      return PreTokenizer.Kind.GPT2;
    }
    if ("Sequence".equals(type) && pre.path("pretokenizers").size() == 2) {
      JsonNode split = pre.path("pretokenizers").get(0);
      JsonNode byteLevel = pre.path("pretokenizers").get(1);
      if ("Split".equals(split.path("type").asText()) && "Isolated".equals(split.path("behavior").asText())
          && !split.path("invert").asBoolean(false) && "ByteLevel".equals(byteLevel.path("type").asText())
          && !byteLevel.path("use_regex").asBoolean(true) && !byteLevel.path("add_prefix_space").asBoolean(false)) {
        PreTokenizer.Kind kind = PreTokenizer.Kind.ofPattern(split.path("pattern").path("Regex").asText());
        require(kind != null, "unsupported Split pattern " + split.path("pattern"));
        return kind;
      }
    }
    throw new IllegalArgumentException("unsupported pre_tokenizer " + pre + ": expected byte-level BPE with the "
        + "GPT-2 or cl100k pattern");
  }

  private static void require(boolean ok, String problem) {
    if (!ok) {
      throw new IllegalArgumentException("tokenizer.json: " + problem);
    }
  }
}
