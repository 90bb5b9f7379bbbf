package io.llmforge.trainer.checkpoint;

import io.llmforge.trainer.data.TokenBatches;

/**
 * Where training stands, saved as {@code trainer_state.json} in every checkpoint.
 *
 * @param step       optimiser steps taken (also the LR schedule position)
 * @param tokensSeen training tokens consumed, all workers together
 * @param cursor     where the training data stream continues (SFT: epoch and position in the epoch's order)
 * @param seed       the run's seed (pretraining: weight init; SFT: the data order)
 * @param replay     where the replayed pretraining shards continue (SFT with replay); null when there are none
 */
public record TrainerState(long step, long tokensSeen, TokenBatches.Cursor cursor, long seed,
    TokenBatches.Cursor replay) {

  public TrainerState(long step, long tokensSeen, TokenBatches.Cursor cursor, long seed) {
    this(step, tokensSeen, cursor, seed, null);
  }
}
