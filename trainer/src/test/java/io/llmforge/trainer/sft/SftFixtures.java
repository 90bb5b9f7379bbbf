package io.llmforge.trainer.sft;

import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.SparkSessions;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.checkpoint.TrainerState;
import io.llmforge.trainer.data.TokenBatches;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.optim.AdamW;
import io.llmforge.trainer.optim.OptimizerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** A tiny "pretrained" base checkpoint with the test tokenizer, and settings for the SFT jobs on it. */
public final class SftFixtures {
  private SftFixtures() {}

  public static SparkSession spark() {
    return SparkSessions.getOrCreate("llmforge-sft-test", "local[2]", 2);
  }

  /** A run folder with one checkpoint of a randomly initialised 2-layer model (block 128) and its tokenizer. */
  public static Path base(Path dir) throws IOException {
    return base(dir.resolve("base"), TestTokenizers.tiny());
  }

  /** As {@link #base(Path)}, in {@code run} with another tokenizer. */
  public static Path base(Path run, io.llmforge.pipeline.tokenizer.ByteLevelBpe tok) throws IOException {
    Files.createDirectories(run);
    Path tokenizer = run.resolve(Checkpoint.TOKENIZER);
    Files.write(tokenizer, TokenizerJson.writeBytes(tok));
    GptEngine engine = new GptEngine(new GptConfig(tok.vocabSize(), 128, 2, 2, 32, 0, 7));
    Checkpoint.save(run, engine, new AdamW(OptimizerSettings.nanoGptShakespeare(), engine.parameters()),
        new TrainerState(10, 640, TokenBatches.Cursor.START, 7), tokenizer, 1);
    return run;
  }

  public static SftPrepareSettings prepare(List<Path> input, Path base, Path out, String... more) {
    List<String> o = new ArrayList<>(List.of(
        "sft-prepare.input=[" + String.join(",", input.stream().map(p -> "\"" + p + "\"").toList()) + "]",
        "sft-prepare.base=\"" + base + "\"", "sft-prepare.output=\"" + out + "\"", "sft-prepare.overwrite=true",
        "sft-prepare.identity.name=Testbot", "sft-prepare.output-partitions=1"));
    o.addAll(List.of(more));
    return SftPrepareSettings.from(JobConfig.load("sft-prepare", List.of("sft-prepare"), List.of(), o));
  }

  public static SftSettings sft(Path data, Path base, Path out, int maxSteps, String... more) {
    List<String> o = new ArrayList<>(List.of(
        "sft.data=\"" + data + "\"", "sft.base=\"" + base + "\"", "sft.output=\"" + out + "\"",
        "sft.batch-size=4", "sft.max-steps=" + maxSteps, "sft.optimizer.warmup-steps=2",
        "sft.optimizer.decay-steps=" + maxSteps, "sft.optimizer.learning-rate=3e-3",
        "sft.optimizer.min-learning-rate=3e-4", "sft.eval-interval=5", "sft.checkpoint-interval=5",
        "sft.log-interval=1"));
    o.addAll(List.of(more));
    return SftSettings.from(JobConfig.load("sft", List.of("sft"), List.of(), o));
  }

  /** JSONL of messages-format conversations, one per [question, answer] pair. */
  public static Path messages(Path file, String[][] pairs) throws IOException {
    StringBuilder s = new StringBuilder();
    for (String[] qa : pairs) {
      s.append("{\"messages\": [{\"role\": \"user\", \"content\": \"").append(qa[0])
          .append("\"}, {\"role\": \"assistant\", \"content\": \"").append(qa[1]).append("\"}]}\n");
    }
    Files.createDirectories(file.getParent());
    Files.writeString(file, s.toString());
    return file;
  }
}
