package io.llmforge.trainer.serve;

import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.serve.CompletionRequest.Kind;
import io.llmforge.trainer.sft.ChatTemplate;
import io.llmforge.trainer.sft.SftMerge;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The model behind the API: weights, tokenizer, chat template and the name clients address it by. It turns a request
 * into prompt ids the way {@code llmforge chat} and {@code llmforge generate} do, so the server answers what those
 * commands answer: chat messages through {@link ChatTemplate#prompt} (stopping at {@code <|end|>} or
 * {@code <|endoftext|>}), a completion prompt as plain text (stopping at {@code <|endoftext|>}; an empty prompt
 * starts from {@code <|endoftext|>}, where every pretraining document starts).
 */
public final class ServedModel {
  private final String name;
  private final GptEngine engine;
  private final ByteLevelBpe tokenizer;
  private final ChatTemplate template;

  public ServedModel(String name, GptEngine engine, ByteLevelBpe tokenizer) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("the served model needs a name");
    }
    if (tokenizer.vocabSize() > engine.config().vocabSize()) {
      throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize() + " ids but the model only "
          + engine.config().vocabSize());
    }
    this.name = name;
    this.engine = engine;
    this.tokenizer = tokenizer;
    this.template = new ChatTemplate(tokenizer);
  }

  /**
   * The model of a checkpoint (a run folder's newest good checkpoint or one step folder; LoRA adapters merged) and its
   * tokenizer; {@code name} null: the folder's name.
   */
  public static ServedModel load(Path checkpoint, String name, PrintStream warnings) {
    Path folder = Checkpoint.resolve(checkpoint, warnings);
    Path tokenizerFile = Checkpoint.tokenizerFile(folder);
    if (!Files.isRegularFile(tokenizerFile)) {
      throw new IllegalArgumentException(checkpoint + " has no " + Checkpoint.TOKENIZER);
    }
    ByteLevelBpe tokenizer;
    try {
      tokenizer = TokenizerJson.read(Files.readAllBytes(tokenizerFile));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + tokenizerFile, e);
    }
    return new ServedModel(name != null ? name : defaultName(checkpoint), SftMerge.load(folder, warnings), tokenizer);
  }

  /** The folder's own name ({@code work/sft} serves as {@code sft}). */
  public static String defaultName(Path checkpoint) {
    Path f = checkpoint.toAbsolutePath().normalize().getFileName();
    return f == null ? "llmforge" : f.toString();
  }

  public String name() {
    return name;
  }

  public GptEngine engine() {
    return engine;
  }

  public ByteLevelBpe tokenizer() {
    return tokenizer;
  }

  public ChatTemplate template() {
    return template;
  }

  /** The context: the most tokens one sequence can hold. */
  public int blockSize() {
    return engine.config().blockSize();
  }

  public int vocabSize() {
    return engine.config().vocabSize();
  }

  public int[] prompt(CompletionRequest request) {
    if (request.kind() == Kind.CHAT) {
      return template.prompt(request.messages());
    }
    return request.prompt().isEmpty() ? new int[] {tokenizer.endOfTextId()} : tokenizer.encode(request.prompt());
  }

  public Set<Integer> stopIds(Kind kind) {
    return kind == Kind.CHAT ? template.stopIds() : Set.of(tokenizer.endOfTextId());
  }

  /** The bytes of one generated id (none for an id the tokenizer has no bytes for, e.g. a padded vocabulary). */
  public byte[] tokenBytes(int id) {
    if (id < 0 || id >= tokenizer.vocabSize()) {
      return new byte[0];
    }
    try {
      return tokenizer.decodeBytes(new int[] {id});
    } catch (IllegalArgumentException e) {
      return new byte[0];
    }
  }
}
