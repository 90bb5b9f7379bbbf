package io.llmforge.jobs;

import io.llmforge.pipeline.shards.ShardManifest;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.generate.Generator;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.generate.Sampler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code llmforge generate}: samples text from a checkpoint folder (its weights and its tokenizer.json). */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Sample text from a pretrain checkpoint (temperature, top-k, top-p).")
final class GenerateCommand implements Callable<Integer> {
  @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "A pretrain run folder (its newest good checkpoint) or one step-N checkpoint folder.")
  Path checkpoint;

  @Option(names = "--prompt", defaultValue = "", description = "Text to continue; empty starts from <|endoftext|>.")
  String prompt;

  @Option(names = "--max-new-tokens", defaultValue = "200", description = "Tokens to generate per sample.")
  int maxNewTokens;

  @Option(names = "--temperature", defaultValue = "0.8", description = "0 is greedy; higher is more random.")
  double temperature;

  @Option(names = "--top-k", defaultValue = "200", description = "Keep the k most likely tokens; 0 keeps all.")
  int topK;

  @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling threshold; 1 keeps all.")
  double topP;

  @Option(names = "--repetition-penalty", defaultValue = "1.0",
      description = "Divides the logits of tokens already in the context (CTRL / Hugging Face); 1 is off.")
  double repetitionPenalty;

  @Option(names = "--num-samples", defaultValue = "1", description = "Independent samples to print.")
  int numSamples;

  @Option(names = "--seed", defaultValue = "1337", description = "Seeds the sampling.")
  long seed;

  @Override
  public Integer call() throws Exception {
    Sampler sampler = new Sampler(temperature, topK, topP).withRepetitionPenalty(repetitionPenalty);
    for (int i = 0; i < numSamples; i++) {
      System.out.println(sample(checkpoint, prompt, maxNewTokens, sampler, seed + i));
      System.out.println("---------------");
    }
    return 0;
  }

  /**
   * The prompt and its continuation by the model of {@code checkpoint} (a run folder: its newest good checkpoint; or
   * one step folder), with the KV-cache generator, stopping at {@code <|endoftext|>}.
   */
  static String sample(Path checkpoint, String prompt, int maxNewTokens, Sampler sampler, long seed)
      throws java.io.IOException {
    Path folder = Checkpoint.resolve(checkpoint, System.err);
    GptEngine model = new GptEngine(Checkpoint.readConfig(folder));
    Checkpoint.loadWeights(folder, model);
    Path tokenizerFile = Checkpoint.tokenizerFile(folder);
    if (!Files.isRegularFile(tokenizerFile)) {
      throw new IllegalArgumentException(checkpoint + " has no " + ShardManifest.TOKENIZER_FILE);
    }
    ByteLevelBpe tokenizer = TokenizerJson.read(Files.readAllBytes(tokenizerFile));
    int[] ids = prompt.isEmpty() ? new int[] {tokenizer.endOfTextId()} : tokenizer.encode(prompt);
    int[] out = new Generator(model, sampler, seed).generate(ids, maxNewTokens, Set.of(tokenizer.endOfTextId()));
    return tokenizer.decode(out);
  }
}
