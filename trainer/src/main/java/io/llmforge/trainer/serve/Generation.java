package io.llmforge.trainer.serve;

import io.llmforge.trainer.generate.Sampler;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One request inside the server: what to generate (prompt ids, {@code choices} sequences of at most
 * {@code maxNewTokens}, stop ids and strings, sampler and seed) and the events the decoding thread sends back to the
 * HTTP thread that streams them. The HTTP thread only reads events and may {@link #cancel}; everything else is the
 * scheduler's, on its own thread.
 *
 * <p>Choice i draws from {@code new Random(seed + i)}, whatever else is being decoded at the same time: a seeded
 * request gives the same answer alone or in a full batch, and choice 0 of seed s is what {@code Generator} with seed s
 * gives for the same prompt.
 */
final class Generation {
  final int[] prompt;
  final int choices;
  final int maxNewTokens;
  final Set<Integer> stopIds;
  final List<String> stopStrings;
  final Sampler sampler;
  final long seed;
  private final BlockingQueue<GenerationEvent> events = new LinkedBlockingQueue<>();
  private volatile boolean cancelled;
  // the scheduler's thread only
  private int finished;
  private int completionTokens;
  private boolean ended;

  Generation(int[] prompt, int choices, int maxNewTokens, Set<Integer> stopIds, List<String> stopStrings,
      Sampler sampler, long seed) {
    if (prompt.length < 1 || choices < 1 || maxNewTokens < 1) {
      throw new IllegalArgumentException("a generation needs a prompt, at least one choice and one token, got "
          + prompt.length + " ids, " + choices + " choices, " + maxNewTokens + " tokens");
    }
    this.prompt = prompt.clone();
    this.choices = choices;
    this.maxNewTokens = maxNewTokens;
    this.stopIds = Set.copyOf(stopIds);
    this.stopStrings = List.copyOf(stopStrings);
    this.sampler = sampler.sparing(this.stopIds); // as Generator: the penalty never keeps a stop id from ending
    this.seed = seed;
  }

  /** The client is gone: the scheduler frees its rows before its next step and sends nothing more. */
  void cancel() {
    cancelled = true;
  }

  boolean cancelled() {
    return cancelled;
  }

  /** The next event, or null after {@code timeout}. */
  GenerationEvent next(long timeout, TimeUnit unit) throws InterruptedException {
    return events.poll(timeout, unit);
  }

  // --- the scheduler's side ---

  boolean ended() {
    return ended;
  }

  void text(int choice, String text) {
    if (!text.isEmpty() && !ended) {
      events.add(new GenerationEvent.Text(choice, text));
    }
  }

  void finish(int choice, String reason, int tokens) {
    if (ended) {
      return;
    }
    events.add(new GenerationEvent.Finished(choice, reason, tokens));
    completionTokens += tokens;
    if (++finished == choices) {
      ended = true;
      events.add(new GenerationEvent.Done(prompt.length, completionTokens));
    }
  }

  void fail(ApiError error) {
    if (!ended) {
      ended = true;
      events.add(new GenerationEvent.Failed(error));
    }
  }
}
