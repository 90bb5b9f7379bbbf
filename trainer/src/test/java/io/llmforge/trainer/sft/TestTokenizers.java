package io.llmforge.trainer.sft;

import io.llmforge.pipeline.tokenizer.BpeTrainer;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.PreTokenizer;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import java.util.List;

/**
 * A tiny byte-level BPE with llmforge's special tokens (ids 0-5), trained once per JVM on a few sentences: enough
 * merges that words become multi-byte tokens, small enough to train in milliseconds.
 */
public final class TestTokenizers {
  private static ByteLevelBpe tiny;

  private TestTokenizers() {}

  public static synchronized ByteLevelBpe tiny() {
    if (tiny == null) {
      List<String> texts = List.of(
          "You are a helpful assistant.",
          "What is the capital of France? The capital of France is Paris.",
          "Tell me a joke. Why did the chicken cross the road? To get to the other side.",
          "Translate hello into French. Bonjour.",
          "The quick brown fox jumps over the lazy dog.");
      tiny = new BpeTrainer(PreTokenizer.Kind.GPT4, SpecialTokens.ALL, 400, 1).trainOnText(texts).tokenizer();
    }
    return tiny;
  }

  public static ChatTemplate template() {
    return new ChatTemplate(tiny());
  }
}
