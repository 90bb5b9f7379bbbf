package io.llmforge.trainer.engine;

import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * Low-rank adapters (Hu et al., 2021) on the model's projections: a target {@code W [in, out]} becomes
 * {@code W + (alpha / rank) A B} with {@code A [in, rank]} (uniform, like a fresh linear layer) and
 * {@code B [rank, out]} (zeros, so training starts from the base model exactly). The base weights freeze; only A and
 * B (and whatever else the caller leaves trainable) learn. Dropout, when set, applies to the adapter's input only.
 *
 * @param rank    r; 0 disables LoRA
 * @param alpha   scale numerator (PEFT's lora_alpha): the update is scaled by alpha / rank
 * @param dropout probability of zeroing an input of the adapter, in [0, 1)
 * @param targets which projections get adapters: any of {@link #TARGETS}
 * @param trainableTokens token ids whose embedding rows train too (PEFT's trainable_token_indices; sorted, distinct):
 *                        {@link TrainableTokens}
 */
public record LoraSettings(int rank, double alpha, double dropout, Set<String> targets, List<Integer> trainableTokens)
    implements Serializable {
  /** The projections of a block, by their Hugging Face GPT-2 names. */
  public static final List<String> TARGETS = List.of("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj");
  public static final LoraSettings NONE = new LoraSettings(0, 1, 0, Set.of());

  /** Adapters only, no trainable token rows. */
  public LoraSettings(int rank, double alpha, double dropout, Set<String> targets) {
    this(rank, alpha, dropout, targets, List.of());
  }

  public LoraSettings {
    targets = Set.copyOf(targets);
    trainableTokens = List.copyOf(new java.util.TreeSet<>(trainableTokens));
    for (int id : trainableTokens) {
      if (id < 0) {
        throw new IllegalArgumentException("a trainable token id must be >= 0, got " + id);
      }
    }
    if (rank == 0 && !trainableTokens.isEmpty()) {
      throw new IllegalArgumentException("trainable token rows need LoRA (rank > 0): without it every row trains");
    }
    if (rank < 0) {
      throw new IllegalArgumentException("LoRA rank must be >= 0, got " + rank);
    }
    if (dropout < 0 || dropout >= 1) {
      throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
    }
    for (String t : targets) {
      if (!TARGETS.contains(t)) {
        throw new IllegalArgumentException("unknown LoRA target '" + t + "'; choose from " + TARGETS);
      }
    }
    if (rank > 0 && targets.isEmpty()) {
      throw new IllegalArgumentException("LoRA rank " + rank + " needs at least one target from " + TARGETS);
    }
  }

  /** A {@code lora} block (rank, alpha, dropout, targets); rank 0 is {@link #NONE}. */
  public static LoraSettings from(io.llmforge.pipeline.config.ConfigReader l) {
    int rank = l.intIn("rank", 0, 4096);
    try {
      return rank == 0 ? NONE : new LoraSettings(rank, l.doubleIn("alpha", 1e-6, 1e6), l.doubleIn("dropout", 0, 0.99),
          new java.util.HashSet<>(l.strings("targets")));
    } catch (IllegalArgumentException e) {
      throw l.error("targets", e.getMessage());
    }
  }

  public boolean enabled() {
    return rank > 0;
  }

  public boolean adapts(String projection) {
    return enabled() && targets.contains(projection);
  }

  /** The same adapters, with the embedding rows of {@code ids} training too. */
  public LoraSettings withTrainableTokens(List<Integer> ids) {
    return new LoraSettings(rank, alpha, dropout, targets, ids);
  }

  public double scale() {
    return alpha / rank;
  }
}
