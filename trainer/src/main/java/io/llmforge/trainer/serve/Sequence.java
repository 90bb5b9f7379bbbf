package io.llmforge.trainer.serve;

import java.util.Arrays;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * One choice of a {@link Generation} while it holds a decoder row: its ids so far, the logits of its next token, its
 * random stream, and the text on its way out (UTF-8 assembly, then stop strings). The scheduler's thread only.
 */
final class Sequence {
  final Generation generation;
  final int choice;
  final int row;
  private final int[] ids;
  private int length;
  private final Random random;
  private final Utf8Text utf8 = new Utf8Text();
  private final StopStrings stops;
  double[] logits;
  boolean released;

  Sequence(Generation generation, int choice, int row) {
    this.generation = generation;
    this.choice = choice;
    this.row = row;
    this.ids = Arrays.copyOf(generation.prompt, generation.prompt.length + generation.maxNewTokens);
    this.length = generation.prompt.length;
    this.random = new Random(generation.seed + choice);
    this.stops = new StopStrings(generation.stopStrings);
  }

  int generated() {
    return length - generation.prompt.length;
  }

  /**
   * Draws the next id, appends it and hands its text to the generation; returns the finish reason if this id ended
   * the choice ("stop": a stop id or stop string; "length": the token budget), else null and the id is to be fed.
   */
  String advance(IntFunction<byte[]> tokenBytes) {
    int next = generation.sampler.sample(logits, ids, length, random);
    ids[length++] = next;
    if (generation.stopIds.contains(next)) {
      flush();
      return "stop";
    }
    StopStrings.Result r = stops.add(utf8.add(tokenBytes.apply(next)));
    generation.text(choice, r.text());
    if (r.stopped()) {
      return "stop";
    }
    if (generated() == generation.maxNewTokens) {
      return flush() ? "stop" : "length";
    }
    return null;
  }

  int lastId() {
    return ids[length - 1];
  }

  /** Sends the text still held back; true if its end completed a stop string after all. */
  private boolean flush() {
    StopStrings.Result r = stops.add(utf8.finish());
    generation.text(choice, r.text());
    generation.text(choice, stops.finish());
    return r.stopped();
  }
}
