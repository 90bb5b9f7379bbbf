package io.llmforge.trainer.reward;

import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.sft.SftBatches;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.sft.ChatTemplate;
import io.llmforge.trainer.sft.Message;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A reward model: the GPT backbone and a scalar head {@code score} [1, C] read at the final {@code <|end|>} of each
 * row (the answer's closing marker), so the reward depends neither on padding nor on its side: the position is
 * found in each row's own ids. {@code r = hidden[end] . score}.
 *
 * <p>Forward and backward side by side, as the engine's: {@link #forward} returns one reward per row and keeps the
 * gathered hidden states; {@link #backward} takes dL/dr per row, adds the head's gradient and hands dL/dhidden (zero
 * except at the end positions) to the engine.
 */
public final class RewardModel {
  /** The head's name: its tensor is {@code score.weight}, as Hugging Face's {@code GPT2ForSequenceClassification}. */
  public static final String HEAD = "score";

  private final GptEngine engine;
  private final ChatTemplate template;
  private final int endId;
  private final int padId;
  private INDArray gathered; // [B, C] hidden states at the end positions of the last forward
  private int[] positions;   // [B] flat row index b * T + end_b
  private int rows;
  private int time;

  public RewardModel(GptEngine engine, ChatTemplate template) {
    if (!engine.parameters().contains(HEAD + ".weight")) {
      throw new IllegalArgumentException("the engine has no '" + HEAD + "' head; build it with newEngine");
    }
    this.engine = engine;
    this.template = template;
    this.endId = template.endId();
    this.padId = template.tokenizer().specialId(SpecialTokens.PAD);
  }

  /**
   * The reward model of a folder: a version {@code rm/vN} (its newest good checkpoint), {@code rm} itself (the
   * version {@code current} names), or one checkpoint folder.
   */
  public static RewardModel load(Path folder, PrintStream warnings) {
    Path checkpoint = Checkpoint.resolve(version(folder), warnings);
    GptEngine engine = newEngine(Checkpoint.readConfig(checkpoint), Checkpoint.readLora(checkpoint));
    Checkpoint.loadWeights(checkpoint, engine);
    Path tokenizer = Checkpoint.tokenizerFile(checkpoint);
    try {
      return new RewardModel(engine, new ChatTemplate(TokenizerJson.read(Files.readAllBytes(tokenizer))));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + tokenizer, e);
    }
  }

  /** The version a folder means: {@code rm} itself means the one {@code current} names; anything else, itself. */
  public static Path version(Path folder) {
    return RewardVersions.isRoot(folder) ? new RewardVersions(folder).currentFolder().orElseThrow(() ->
        new IllegalStateException(folder + " has no current reward model (no '" + RewardVersions.CURRENT
            + "' pointer yet)")) : folder;
  }

  public ChatTemplate template() {
    return template;
  }

  /**
   * The ids the model scores for an answer to a conversation: prompt, answer, {@code <|end|>}. Longer than the block,
   * the oldest ids after the leading {@code <|endoftext|>} are left out (the reward is read at the end).
   */
  public int[] row(List<Message> prompt, String answer) {
    int[] p = template.prompt(prompt);
    int[] a = template.completion(answer);
    int block = engine.config().blockSize();
    int[] ids = new int[Math.min(block, p.length + a.length)];
    int keepPrompt = ids.length - a.length;
    if (keepPrompt < 1) { // the answer alone is too long: its last tokens, after the text boundary
      ids[0] = p[0];
      System.arraycopy(a, a.length - (ids.length - 1), ids, 1, ids.length - 1);
      return ids;
    }
    ids[0] = p[0];
    System.arraycopy(p, p.length - (keepPrompt - 1), ids, 1, keepPrompt - 1);
    System.arraycopy(a, 0, ids, keepPrompt, a.length);
    return ids;
  }

  /** A backbone with the reward head; with LoRA the base is frozen and only adapters and head train. */
  public static GptEngine newEngine(GptConfig config, LoraSettings lora) {
    return newEngine(config, lora, DataType.FLOAT);
  }

  /** As {@link #newEngine(GptConfig, LoraSettings)} in {@code type} (DOUBLE for gradient checks). */
  public static GptEngine newEngine(GptConfig config, LoraSettings lora, DataType type) {
    return new GptEngine(config, type, lora, lora.enabled() ? name -> false : name -> true, List.of(HEAD));
  }

  public GptEngine engine() {
    return engine;
  }

  /** The reward of each row (prompt + answer + {@code <|end|>}; rows may differ in length). */
  public double[] forward(List<int[]> batch) {
    int longest = 0;
    for (int[] r : batch) {
      longest = Math.max(longest, r.length);
    }
    int block = engine.config().blockSize();
    if (longest > block) {
      throw new IllegalArgumentException("a row of " + longest + " ids does not fit the block size " + block);
    }
    int t = Math.min(block, (longest + SftBatches.PAD_MULTIPLE - 1) / SftBatches.PAD_MULTIPLE
        * SftBatches.PAD_MULTIPLE);
    int[][] inputs = new int[batch.size()][t];
    positions = new int[batch.size()];
    for (int b = 0; b < batch.size(); b++) {
      int[] ids = batch.get(b);
      Arrays.fill(inputs[b], padId);
      System.arraycopy(ids, 0, inputs[b], 0, ids.length);
      positions[b] = b * t + lastEnd(ids, b);
    }
    GptEngine.Forward f = engine.forward(inputs, null);
    if (gathered != null) {
      gathered.close(); // native memory is freed here, not whenever the garbage collector runs
    }
    gathered = Nd4j.pullRows(f.hidden(), 1, positions);                   // [B, C]
    rows = batch.size();
    time = t;
    try (INDArray r = gathered.mmul(engine.headWeight(HEAD).transpose())) { // [B, 1]
      double[] out = new double[rows];
      for (int i = 0; i < rows; i++) {
        out[i] = r.getDouble(i, 0);
      }
      return out;
    }
  }

  /** Adds the gradient of a loss given dL/dr per row of the last {@link #forward}. */
  public void backward(double[] dRewards) {
    if (gathered == null || dRewards.length != rows) {
      throw new IllegalStateException("backward needs the " + rows + " rewards of a forward pass");
    }
    DataType type = engine.dataType();
    try (INDArray dr = Nd4j.create(type, rows, 1);
        INDArray dHidden = Nd4j.zeros(type, (long) rows * time, engine.config().nEmbd())) {
      for (int i = 0; i < rows; i++) {
        dr.putScalar(i, 0, dRewards[i]);
      }
      try (INDArray dScore = dr.transpose().mmul(gathered);               // dscore += dr^T h_end   [1, C]
          INDArray dEnd = dr.mmul(engine.headWeight(HEAD))) {             // dh_end = dr score      [B, C]
        engine.headGradient(HEAD).addi(dScore);
        for (int b = 0; b < rows; b++) {
          dHidden.getRow(positions[b]).assign(dEnd.getRow(b));
        }
      }
      engine.backward(null, dHidden);
    }
  }

  /** Rewards of many rows, forward only, in batches of {@code batchSize}. */
  public double[] score(List<int[]> all, int batchSize) {
    double[] out = new double[all.size()];
    for (int from = 0; from < all.size(); from += batchSize) {
      double[] r = forward(all.subList(from, Math.min(all.size(), from + batchSize)));
      System.arraycopy(r, 0, out, from, r.length);
    }
    return out;
  }

  private int lastEnd(int[] ids, int row) {
    for (int i = ids.length - 1; i >= 0; i--) {
      if (ids[i] == endId) {
        return i;
      }
    }
    throw new IllegalArgumentException("row " + row + " has no <|end|> to read the reward at");
  }
}
