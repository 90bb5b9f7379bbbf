package io.llmforge.pipeline.tokenizer;

import java.util.List;

/**
 * The special tokens of every llmforge tokenizer (DESIGN.md, "tokenizer"), in id order: a trained tokenizer gives
 * them ids 0-5, before the 256 byte tokens, as Hugging Face's BPE trainer does with its {@code special_tokens}.
 */
public final class SpecialTokens {
  /** Separates documents in packed shards; the end of a pretraining document. */
  public static final String END_OF_TEXT = "<|endoftext|>";
  public static final String USER = "<|user|>";
  public static final String ASSISTANT = "<|assistant|>";
  public static final String SYSTEM = "<|system|>";
  /** Ends one chat turn. */
  public static final String END = "<|end|>";
  /** Fills batches; never trained on. */
  public static final String PAD = "<|pad|>";

  public static final List<String> ALL = List.of(END_OF_TEXT, USER, ASSISTANT, SYSTEM, END, PAD);

  private SpecialTokens() {}
}
