package io.llmforge.trainer.sft;

import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.checkpoint.RunFolder;
import io.llmforge.trainer.checkpoint.TrainerState;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.engine.Parameters;
import io.llmforge.trainer.optim.AdamW;
import io.llmforge.trainer.optim.OptimizerSettings;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * LoRA adapters folded into their base weights ({@code W + (alpha / r) A B}): a plain GPT with no adapters, which
 * runs as fast as the base and loads anywhere a pretrain checkpoint does.
 */
public final class SftMerge {
  private SftMerge() {}

  /** The model of a checkpoint (a run folder's newest good one, or one step folder), adapters merged if any. */
  public static GptEngine load(Path checkpoint, PrintStream warnings) {
    Path folder = Checkpoint.resolve(checkpoint, warnings);
    GptConfig config = Checkpoint.readConfig(folder);
    LoraSettings lora = Checkpoint.readLora(folder);
    GptEngine withAdapters = new GptEngine(config, DataType.FLOAT, lora, name -> true);
    Checkpoint.loadWeights(folder, withAdapters);
    if (!lora.enabled()) {
      return withAdapters;
    }
    withAdapters.mergeAdapters();
    GptEngine plain = new GptEngine(config);
    Parameters from = withAdapters.parameters();
    Parameters to = plain.parameters();
    for (String name : to.names()) {
      to.value(name).assign(from.value(name));
    }
    return plain;
  }

  /**
   * Writes the merged model of {@code checkpoint} as a one-checkpoint run folder {@code output} (config, weights,
   * tokenizer, fresh optimiser state), loadable by generate, chat and sft.base. Returns the checkpoint folder.
   */
  public static Path write(Path checkpoint, Path output, PrintStream warnings) {
    Path folder = Checkpoint.resolve(checkpoint, warnings);
    GptEngine merged = load(folder, warnings);
    RunFolder.delete(output);
    RunFolder.create(output);
    TrainerState state = Checkpoint.readState(folder);
    Path tokenizer = Checkpoint.tokenizerFile(folder);
    AdamW fresh = new AdamW(OptimizerSettings.nanoGptShakespeare(), merged.parameters());
    return Checkpoint.save(output, merged, fresh, new TrainerState(0, state.tokensSeen(), state.cursor(),
        state.seed()), Files.isRegularFile(tokenizer) ? tokenizer : null, 1);
  }
}
