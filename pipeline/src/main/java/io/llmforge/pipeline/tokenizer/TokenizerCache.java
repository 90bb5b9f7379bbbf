package io.llmforge.pipeline.tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One parsed tokenizer per executor JVM: Spark tasks receive the tokenizer.json bytes (a broadcast) and look the
 * parsed tokenizer up here by its SHA-256, so a 100k-entry vocabulary is parsed once per JVM, not once per task.
 */
public final class TokenizerCache {
  private static final int MAX_ENTRIES = 4;
  private static final Map<String, ByteLevelBpe> CACHE = new LinkedHashMap<>(8, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, ByteLevelBpe> eldest) {
      return size() > MAX_ENTRIES;
    }
  };

  private TokenizerCache() {}

  public static synchronized ByteLevelBpe get(byte[] tokenizerJson) {
    return CACHE.computeIfAbsent(Sha256.hex(tokenizerJson), k -> TokenizerJson.read(tokenizerJson));
  }
}
