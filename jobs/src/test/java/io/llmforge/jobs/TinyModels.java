package io.llmforge.jobs;

import io.llmforge.pipeline.tokenizer.BpeTrainer;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.PreTokenizer;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.checkpoint.TrainerState;
import io.llmforge.trainer.data.TokenBatches;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.reward.RewardModel;
import io.llmforge.trainer.reward.RewardVersions;
import io.llmforge.trainer.optim.AdamW;
import io.llmforge.trainer.optim.OptimizerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A tiny untrained "pretrained" checkpoint with a chat-capable tokenizer, for command-line tests. */
final class TinyModels {
  private TinyModels() {}

  static Path base(Path run) throws IOException {
    ByteLevelBpe tokenizer = new BpeTrainer(PreTokenizer.Kind.GPT4, SpecialTokens.ALL, 512, 1).trainOnText(List.of(
        "What is 2 plus 3? 2 plus 3 is 5. Say hello to Grace. Hello, Grace! Nice to meet you.",
        "What is the opposite of hot? The opposite of hot is cold. Who are you? I am a small assistant."))
        .tokenizer();
    Files.createDirectories(run);
    Path file = run.resolve(Checkpoint.TOKENIZER);
    Files.write(file, TokenizerJson.writeBytes(tokenizer));
    GptEngine engine = new GptEngine(new GptConfig(tokenizer.vocabSize(), 128, 1, 2, 32, 0, 3));
    Checkpoint.save(run, engine, new AdamW(OptimizerSettings.nanoGptShakespeare(), engine.parameters()),
        new TrainerState(1, 0, TokenBatches.Cursor.START, 3), file, 1);
    return run;
  }

  /** An untrained reward model on {@code base}'s shape and tokenizer: {@code rm/v1}, made current. */
  static Path rewardModel(Path rm, Path base) throws IOException {
    Path v1 = rm.resolve("v1");
    Files.createDirectories(v1);
    Path checkpoint = Checkpoint.resolve(base, System.err);
    GptConfig c = Checkpoint.readConfig(checkpoint);
    GptEngine engine = RewardModel.newEngine(new GptConfig(c.vocabSize(), c.blockSize(), c.nLayer(), c.nHead(),
        c.nEmbd(), 0, 5), LoraSettings.NONE);
    Checkpoint.save(v1, engine, new AdamW(OptimizerSettings.nanoGptShakespeare(), engine.parameters()),
        new TrainerState(1, 0, TokenBatches.Cursor.START, 5), Checkpoint.tokenizerFile(checkpoint), 1);
    Files.writeString(v1.resolve("_SUCCESS"), "");
    Files.writeString(rm.resolve(RewardVersions.CURRENT), "v1\n");
    return rm;
  }
}
