package io.llmforge.pipeline.shards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.tokenizer.BpeTrainer;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.PreTokenizer;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShardManifestTest {
  private static ByteLevelBpe tokenizer(String text) {
    return new BpeTrainer(PreTokenizer.Kind.GPT4, SpecialTokens.ALL, 300, 1).trainOnText(List.of(text)).tokenizer();
  }

  private static ShardManifest manifest(ByteLevelBpe t) {
    return new ShardManifest(ShardManifest.FORMAT, t.fingerprint(), t.vocabSize(), t.endOfTextId(), 8, 9, 42, 0.1,
        Map.of("train", new ShardManifest.Split(10, 12, 500, 55, 5)),
        "source", List.of(new ShardManifest.MixtureEntry("a.warc", 10, 500, 1.0)),
        List.of(new ShardManifest.Shard("train", "train/shard-00000.parquet", 55, "ab".repeat(32))));
  }

  @Test
  void jsonRoundTrip() {
    ShardManifest m = manifest(tokenizer("hello hello world"));
    ShardManifest back = ShardManifest.parse(m.toJson());
    assertEquals(m, back);
    assertTrue(m.toJson().contains("\"tokenizer_sha256\""));
    assertEquals(1, back.shardsOf("train").size());
  }

  @Test
  void verifyAgainstRefusesAnotherTokenizer() {
    ByteLevelBpe ours = tokenizer("hello hello world");
    ShardManifest m = manifest(ours);
    m.verifyAgainst(ours);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> m.verifyAgainst(tokenizer("goodbye goodbye moon")));
    assertTrue(e.getMessage().contains("tokenized with tokenizer"), e.getMessage());
  }

  @Test
  void refusesOtherFormats() {
    assertThrows(IllegalArgumentException.class, () -> ShardManifest.parse("{\"format\": \"x\"}"));
  }
}
