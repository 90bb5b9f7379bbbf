package io.llmforge.trainer.bestofn;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.llmforge.pipeline.shards.StableHash;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.generate.Generator;
import io.llmforge.trainer.generate.Sampler;
import io.llmforge.trainer.reward.RewardModel;
import io.llmforge.trainer.sft.ChatTemplate;
import io.llmforge.trainer.sft.Message;
import io.llmforge.trainer.sft.SftMerge;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Best-of-N (rejection sampling): for a prompt, sample N answers from the policy on the KV cache, score each with the
 * reward model, keep the favourite. The plain logic of {@code generate --best-of N}, the {@code best-of-n} job and
 * {@code bench best-of-n}, without Spark.
 *
 * <p>Reproducible: the N draws of a prompt are seeded by (seed, the prompt's messages) alone, so a rerun, another
 * partitioning or another order of the input gives the same answers. They are generated as one batch of N rows (the
 * CPU decode step computes each row as it would alone).
 *
 * <p>Which answers may win: with {@code requireStop} only answers that end with {@code <|end|>} within
 * max-new-tokens (a cut answer would teach the next SFT round not to stop), never a blank one. Ties go to the
 * earliest sample.
 */
public final class BestOfN {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param n            answers sampled per prompt
   * @param requireStop  only answers that end with {@code <|end|>} may be chosen
   * @param rmBatchSize  answers per reward-model forward pass
   */
  public record Options(int n, Sampler sampler, int maxNewTokens, long seed, boolean requireStop, int rmBatchSize) {
    public Options {
      if (n < 1 || maxNewTokens < 1 || rmBatchSize < 1) {
        throw new IllegalArgumentException("need n, max-new-tokens and the reward batch size >= 1");
      }
    }
  }

  /**
   * One sampled answer.
   *
   * @param stopped whether it ended with {@code <|end|>} (else it reached max-new-tokens)
   * @param tokens  ids generated, the stop id included
   */
  public record Candidate(String answer, boolean stopped, int tokens, double reward) {}

  /**
   * A prompt's N answers in the order drawn.
   *
   * @param best  the chosen answer's index, -1 when none may be chosen
   * @param worst the lowest-scored answer that may be chosen, -1 when none
   */
  public record Result(List<Candidate> candidates, int best, int worst) {
    public boolean chosen() {
      return best >= 0;
    }

    /** Each candidate's rank among those that may be chosen (1 = best), 0 for one that may not. */
    public int[] ranks(boolean requireStop) {
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < candidates.size(); i++) {
        if (eligible(candidates.get(i), requireStop)) {
          order.add(i);
        }
      }
      // by reward descending, ties to the earlier sample, as best() picks
      order.sort((a, b) -> {
        int c = Double.compare(candidates.get(b).reward(), candidates.get(a).reward());
        return c != 0 ? c : Integer.compare(a, b);
      });
      int[] ranks = new int[candidates.size()];
      for (int r = 0; r < order.size(); r++) {
        ranks[order.get(r)] = r + 1;
      }
      return ranks;
    }
  }

  private final GptEngine policy;
  private final ChatTemplate template;
  private final RewardModel rewardModel;
  private final Options options;
  private final Generator generator;

  public BestOfN(GptEngine policy, ChatTemplate template, RewardModel rewardModel, Options options) {
    this.policy = policy;
    this.template = template;
    this.rewardModel = rewardModel;
    this.options = options;
    this.generator = new Generator(policy, options.sampler(), options.seed());
  }

  /**
   * Best-of-N with the policy of a checkpoint (a run folder's newest good one or one step folder; LoRA merged) and
   * the reward model of a folder ({@link RewardModel#load}: an rm folder means its current version).
   */
  public static BestOfN open(Path policy, Path rewardModel, Options options, PrintStream warnings) {
    Path folder = Checkpoint.resolve(policy, warnings);
    Path tokenizer = Checkpoint.tokenizerFile(folder);
    ChatTemplate template;
    try {
      template = new ChatTemplate(TokenizerJson.read(Files.readAllBytes(tokenizer)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the policy's tokenizer " + tokenizer, e);
    }
    return new BestOfN(SftMerge.load(folder, warnings), template, RewardModel.load(rewardModel, warnings), options);
  }

  public Options options() {
    return options;
  }

  /** The policy's prompt ids for a conversation awaiting the assistant. */
  public int[] promptIds(List<Message> prompt) {
    return template.prompt(prompt);
  }

  /** Whether the prompt leaves max-new-tokens of the policy's block for the answer. */
  public boolean fits(List<Message> prompt) {
    return promptIds(prompt).length + options.maxNewTokens() <= policy.config().blockSize();
  }

  /** Samples, scores and chooses for one prompt (which must {@link #fits}). */
  public Result run(List<Message> prompt) {
    int[] ids = promptIds(prompt);
    generator.reseed(seedFor(options.seed(), prompt));
    List<int[]> generated = generator.generate(Collections.nCopies(options.n(), ids), options.maxNewTokens(),
        template.stopIds());
    List<String> answers = new ArrayList<>();
    List<Boolean> stopped = new ArrayList<>();
    List<Integer> tokens = new ArrayList<>();
    List<int[]> rows = new ArrayList<>();
    for (int[] out : generated) {
      int made = out.length - ids.length;
      String answer = template.answer(out, ids.length).strip();
      answers.add(answer);
      stopped.add(made > 0 && template.stopIds().contains(out[out.length - 1]));
      tokens.add(made);
      rows.add(rewardModel.row(prompt, answer));
    }
    double[] rewards = rewardModel.score(rows, options.rmBatchSize());
    List<Candidate> candidates = new ArrayList<>();
    for (int i = 0; i < answers.size(); i++) {
      candidates.add(new Candidate(answers.get(i), stopped.get(i), tokens.get(i), rewards[i]));
    }
    return new Result(List.copyOf(candidates), best(candidates, options.requireStop()),
        worst(candidates, options.requireStop()));
  }

  /** The seed of a prompt's draws: (seed, the prompt's role/content list). */
  public static long seedFor(long seed, List<Message> prompt) {
    ArrayNode key = JSON.createArrayNode();
    for (Message m : prompt) {
      key.addArray().add(m.role()).add(m.content());
    }
    return StableHash.of(seed, "best-of-n", key.toString());
  }

  /** Whether a candidate may be chosen. */
  public static boolean eligible(Candidate c, boolean requireStop) {
    return !c.answer().isBlank() && (c.stopped() || !requireStop);
  }

  /** The index of the highest reward among the candidates that may be chosen (the earliest on a tie); -1: none. */
  public static int best(List<Candidate> candidates, boolean requireStop) {
    int best = -1;
    for (int i = 0; i < candidates.size(); i++) {
      Candidate c = candidates.get(i);
      if (eligible(c, requireStop) && (best < 0 || c.reward() > candidates.get(best).reward())) {
        best = i;
      }
    }
    return best;
  }

  /** The index of the lowest reward among the candidates that may be chosen (the earliest on a tie); -1: none. */
  public static int worst(List<Candidate> candidates, boolean requireStop) {
    int worst = -1;
    for (int i = 0; i < candidates.size(); i++) {
      Candidate c = candidates.get(i);
      if (eligible(c, requireStop) && (worst < 0 || c.reward() < candidates.get(worst).reward())) {
        worst = i;
      }
    }
    return worst;
  }
}
