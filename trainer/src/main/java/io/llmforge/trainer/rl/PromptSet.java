package io.llmforge.trainer.rl;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What an online RL run samples its rounds from and is evaluated on: the project's verifiable tasks (drawn afresh
 * every round from the round's seed) or a fixed set of prompts read from the user's conversations
 * ({@link PromptFiles}), drawn with replacement. Either way a round's prompts depend only on its seed, so a resumed
 * run draws what the uninterrupted one drew, and the held-out prompts never appear in a round.
 */
public interface PromptSet extends Serializable {
  /** {@code n} prompts for one round of one worker. */
  List<Prompt> draw(int n, long seed);

  /** The prompts answered greedily at every evaluation. */
  List<Prompt> heldOut();

  /** Whether every prompt has an answer the checker verifies (then accuracy is measured). */
  boolean checkable();

  /** For the header line. */
  String describe();

  /**
   * Verifiable tasks of {@code kind}; the held-out ones are drawn from a seed of their own. A held-out task may
   * come up in a round too (a 1-digit addition has only 100 forms), as a test set of a generated task does.
   */
  static PromptSet tasks(VerifiableTasks.Kind kind, int size, int evalPrompts, long heldOutSeed) {
    return new Tasks(kind, size, VerifiableTasks.draw(kind, evalPrompts, size, heldOutSeed).stream().map(Prompt::of)
        .toList());
  }

  /** A fixed set: rounds draw from {@code train} with replacement. */
  static Fixed fixed(List<Prompt> train, List<Prompt> heldOut, String describe) {
    if (train.isEmpty() || heldOut.isEmpty()) {
      throw new IllegalArgumentException("a prompt set needs training and held-out prompts: " + train.size()
          + " and " + heldOut.size());
    }
    boolean checkable = train.stream().allMatch(Prompt::checkable) && heldOut.stream().allMatch(Prompt::checkable);
    return new Fixed(List.copyOf(train), List.copyOf(heldOut), checkable, describe);
  }

  /** The verifiable tasks' set. */
  record Tasks(VerifiableTasks.Kind kind, int size, List<Prompt> heldOut) implements PromptSet {
    @Override
    public List<Prompt> draw(int n, long seed) {
      return VerifiableTasks.draw(kind, n, size, seed).stream().map(Prompt::of).toList();
    }

    @Override
    public boolean checkable() {
      return true;
    }

    @Override
    public String describe() {
      return kind.name().toLowerCase(java.util.Locale.ROOT) + " tasks (size " + size + ")";
    }
  }

  /** A fixed set of prompts. */
  record Fixed(List<Prompt> train, List<Prompt> heldOut, boolean checkable, String describe) implements PromptSet {
    @Override
    public List<Prompt> draw(int n, long seed) {
      Random random = new Random(seed);
      List<Prompt> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(train.get(random.nextInt(train.size())));
      }
      return out;
    }
  }
}
