package io.llmforge.jobs;

import io.llmforge.pipeline.shards.ShardManifest;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.generate.Generator;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.generate.Sampler;
import io.llmforge.trainer.bestofn.BestOfN;
import io.llmforge.trainer.sft.Message;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code llmforge generate}: samples text from a checkpoint folder (its weights and its tokenizer.json). With
 * {@code --best-of N --reward-model DIR} the prompt is a user turn for a chat model instead: N answers are sampled
 * (chat template, stop at {@code <|end|>}), scored by the reward model, and its favourite printed.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Sample text from a pretrain checkpoint (temperature, top-k, top-p); with --best-of N "
        + "--reward-model DIR, N chat answers scored by the reward model and its favourite printed.")
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

  @Option(names = "--best-of", defaultValue = "1", paramLabel = "N",
      description = "Sample N chat answers to the prompt (a user turn) and print the reward model's favourite.")
  int bestOf;

  @Option(names = "--reward-model", paramLabel = "DIR",
      description = "With --best-of: an rm folder (its current version), one version rm/vN, or a checkpoint.")
  Path rewardModel;

  @Option(names = "--show-all", description = "With --best-of: print every answer with its reward, the chosen one "
      + "marked.")
  boolean showAll;

  @Override
  public Integer call() throws Exception {
    Sampler sampler = new Sampler(temperature, topK, topP).withRepetitionPenalty(repetitionPenalty);
    if (bestOf != 1 || rewardModel != null) {
      return bestOf(sampler);
    }
    for (int i = 0; i < numSamples; i++) {
      System.out.println(sample(checkpoint, prompt, maxNewTokens, sampler, seed + i));
      System.out.println("---------------");
    }
    return 0;
  }

  /** {@code --best-of N}: the reward model's favourite of N sampled chat answers. */
  private int bestOf(Sampler sampler) {
    if (bestOf < 1 || rewardModel == null || prompt.isBlank()) {
      System.err.println("generate: --best-of N needs N >= 1, --reward-model DIR and a --prompt (the user's turn)");
      return 2;
    }
    BestOfN best = BestOfN.open(checkpoint, rewardModel, new BestOfN.Options(bestOf, sampler, maxNewTokens, seed,
        true, 16), System.err);
    List<Message> user = List.of(Message.user(prompt));
    BestOfN.Result r = best.run(user);
    int chosen = r.best();
    if (chosen < 0) { // none ended with <|end|> within --max-new-tokens: the favourite of the cut ones, said so
      chosen = BestOfN.best(r.candidates(), false);
      System.err.println("generate: no answer ended with <|end|> within " + maxNewTokens + " tokens; the favourite "
          + "of the cut answers follows");
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    if (showAll) {
      for (int i = 0; i < r.candidates().size(); i++) {
        BestOfN.Candidate c = r.candidates().get(i);
        out.printf(Locale.ROOT, "%s #%d  reward %+.4f  %s%s%n", i == chosen ? "*" : " ", i + 1, c.reward(),
            c.answer().replace("\n", "\\n"), c.stopped() ? "" : "  [no <|end|>]");
      }
      out.println("---------------");
    }
    if (chosen >= 0) {
      out.println(r.candidates().get(chosen).answer());
    }
    out.printf(Locale.ROOT, "(best of %d: reward %s; first sample %+.4f)%n", bestOf, chosen < 0 ? "n/a"
        : String.format(Locale.ROOT, "%+.4f", r.candidates().get(chosen).reward()),
        r.candidates().get(0).reward());
    return chosen >= 0 ? 0 : 1;
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
