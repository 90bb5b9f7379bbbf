package io.llmforge.trainer.bestofn;

import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.checkpoint.RunFolder;
import io.llmforge.trainer.checkpoint.TrainerState;
import io.llmforge.trainer.data.TokenBatches;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.optim.AdamW;
import io.llmforge.trainer.optim.OptimizerSettings;
import io.llmforge.trainer.reward.RewardModel;
import io.llmforge.trainer.reward.RewardVersions;
import io.llmforge.trainer.sft.SftFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An untrained policy (the SFT fixtures' base) and an untrained reward model on its tokenizer, as an rm folder with
 * {@code v1} and a {@code current} pointer: random weights give every answer a different reward, which is all the
 * best-of-N and judge tests need.
 */
public final class BestOfNFixtures {
  private BestOfNFixtures() {}

  public static Path policy(Path dir) throws IOException {
    return SftFixtures.base(dir);
  }

  /** {@code dir/rm} with a random v1 made current, its backbone the shape of {@code policy}'s. */
  public static Path rewardModel(Path dir, Path policy) throws IOException {
    Path rm = dir.resolve("rm");
    Path v1 = rm.resolve(RewardVersions.name(1));
    Files.createDirectories(v1);
    Path checkpoint = Checkpoint.resolve(policy, System.err);
    GptConfig c = Checkpoint.readConfig(checkpoint);
    GptEngine engine = RewardModel.newEngine(new GptConfig(c.vocabSize(), c.blockSize(), c.nLayer(), c.nHead(),
        c.nEmbd(), 0, 11), LoraSettings.NONE);
    Checkpoint.save(v1, engine, new AdamW(OptimizerSettings.nanoGptShakespeare(), engine.parameters()),
        new TrainerState(1, 0, TokenBatches.Cursor.START, 11), Checkpoint.tokenizerFile(checkpoint), 1);
    Files.writeString(v1.resolve(RunFolder.SUCCESS), "");
    Files.writeString(rm.resolve(RewardVersions.CURRENT), RewardVersions.name(1) + "\n");
    return rm;
  }
}
