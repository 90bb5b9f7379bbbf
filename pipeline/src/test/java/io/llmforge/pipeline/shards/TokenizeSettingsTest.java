package io.llmforge.pipeline.shards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.JobConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenizeSettingsTest {
  private static TokenizeSettings load(String... overrides) {
    List<String> all = new ArrayList<>(List.of("tokenize.input=[docs]", "tokenize.output=out/shards",
        "tokenize.tokenizer=out/tok"));
    all.addAll(List.of(overrides));
    return TokenizeSettings.from(JobConfig.load("tokenize", List.of("tokenize"), List.of(), all));
  }

  @Test
  void defaultsAreValid() {
    TokenizeSettings s = load();
    assertEquals(257, s.rowLength());
    assertEquals("sample_weight", s.weightColumn());
    assertEquals(4, s.maxRepeats());
  }

  @Test
  void rangesAreChecked() {
    ConfigError e = assertThrows(ConfigError.class, () -> load("tokenize.val-fraction=0.9"));
    assertTrue(e.getMessage().contains("tokenize.val-fraction"), e.getMessage());
    assertThrows(ConfigError.class, () -> load("tokenize.seq-len=0"));
    assertThrows(ConfigError.class, () -> load("tokenize.seqlen=8"));
  }

  @Test
  void shardCountFollowsTheTokens() {
    assertEquals(0, TokenizeJob.shardCount(0, 9, 10));
    assertEquals(1, TokenizeJob.shardCount(5, 9, 10), "less than a row still gets a (soon empty) partition");
    assertEquals(1, TokenizeJob.shardCount(90, 9, 10));
    assertEquals(2, TokenizeJob.shardCount(99, 9, 10));
  }
}
