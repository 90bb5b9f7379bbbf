package io.llmforge.pipeline.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TokenizerJsonTest {
  private static ByteLevelBpe trained() {
    List<String> texts = new ArrayList<>();
    Random random = new Random(21);
    for (int i = 0; i < 1_000; i++) {
      texts.add(RandomText.next(random, 25));
    }
    return new BpeTrainer(PreTokenizer.Kind.GPT4, SpecialTokens.ALL, 700, 2).trainOnText(texts).tokenizer();
  }

  @Test
  void saveLoadSaveIsIdenticalAndEncodesIdentically() {
    ByteLevelBpe original = trained();
    String json = TokenizerJson.write(original);
    ByteLevelBpe loaded = TokenizerJson.read(json);
    assertEquals(json, TokenizerJson.write(loaded));
    assertEquals(original.fingerprint(), loaded.fingerprint());
    assertEquals(original.vocabSize(), loaded.vocabSize());
    Random random = new Random(22);
    for (int i = 0; i < 2_000; i++) {
      String text = RandomText.next(random, 30);
      assertArrayEquals(original.encodeWithSpecials(text), loaded.encodeWithSpecials(text));
      assertArrayEquals(original.encode(text), loaded.encode(text));
    }
  }

  @Test
  void writesHuggingFaceStructure() throws Exception {
    JsonNode root = new ObjectMapper().readTree(TokenizerJson.write(trained()));
    assertEquals("BPE", root.at("/model/type").asText());
    assertEquals(6, root.get("added_tokens").size());
    assertEquals("<|endoftext|>", root.at("/added_tokens/0/content").asText());
    assertTrue(root.at("/added_tokens/5/special").asBoolean());
    assertEquals("<|pad|>", root.at("/added_tokens/5/content").asText());
    assertEquals(6, root.at("/model/vocab/Ġ").asInt() - ' ', "bytes follow the six specials");
    assertEquals("Split", root.at("/pre_tokenizer/pretokenizers/0/type").asText());
    assertEquals("ByteLevel", root.at("/decoder/type").asText());
    String firstMerge = root.at("/model/merges/0").asText();
    assertEquals(2, firstMerge.split(" ").length);
  }

  @Test
  void readsArrayMergesAndTheGpt2ByteLevelPreTokenizer() throws Exception {
    ObjectMapper json = new ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode root =
        (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(TokenizerJson.write(trained()));
    com.fasterxml.jackson.databind.node.ArrayNode merges = (com.fasterxml.jackson.databind.node.ArrayNode) root.at("/model/merges");
    for (int i = 0; i < merges.size(); i++) {
      String[] pair = merges.get(i).asText().split(" ");
      merges.set(i, json.createArrayNode().add(pair[0]).add(pair[1]));
    }
    root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", true);
    ByteLevelBpe loaded = TokenizerJson.read(json.writeValueAsString(root));
    assertEquals(PreTokenizer.Kind.GPT2, loaded.preTokenizerKind());
    assertEquals("I'll pay 1234567!", loaded.decode(loaded.encode("I'll pay 1234567!")));
  }

  @Test
  void refusesWhatItCannotReproduce() {
    String json = TokenizerJson.write(trained());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TokenizerJson.read(json.replace("\"normalizer\" : null", "\"normalizer\" : {\"type\": \"NFKC\"}")));
    assertTrue(e.getMessage().contains("normalizer"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TokenizerJson.read("{not json"));
  }
}
