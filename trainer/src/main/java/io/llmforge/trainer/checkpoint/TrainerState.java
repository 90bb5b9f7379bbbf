package io.llmforge.trainer.checkpoint;

import io.llmforge.trainer.data.TokenBatches;

/**
 * Where training stands, saved as {@code trainer_state.json} in every checkpoint.
 *
 * @param step       optimiser steps taken (also the LR schedule position)
 * @param tokensSeen training tokens consumed, all workers together
 * @param cursor     where the training data stream continues
 * @param seed       the run's seed (weight init; data order is fixed by the shards, and dropout is 0)
 */
public record TrainerState(long step, long tokensSeen, TokenBatches.Cursor cursor, long seed) {}
