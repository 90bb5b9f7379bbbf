package io.llmforge.pipeline.shards;

import java.util.function.Consumer;

/**
 * Packs documents (each already ending in {@code <|endoftext|>}) back to back into rows of exactly
 * {@code rowLength} = seq_len + 1 ids: a row holds the inputs and, shifted by one, the targets of one training
 * sequence. A document longer than a row continues in the next; nothing is padded. The tail that does not fill a
 * last row is dropped and counted (at most one row's worth per packing partition).
 */
public final class Packer {
  private final int rowLength;
  private final Consumer<int[]> rows;
  private int[] current;
  private int filled;
  private long emittedRows;

  public Packer(int rowLength, Consumer<int[]> rows) {
    if (rowLength < 2) {
      throw new IllegalArgumentException("row length must be at least 2, got " + rowLength);
    }
    this.rowLength = rowLength;
    this.rows = rows;
    this.current = new int[rowLength];
  }

  public void add(int[] tokens) {
    int at = 0;
    while (at < tokens.length) {
      int n = Math.min(tokens.length - at, rowLength - filled);
      System.arraycopy(tokens, at, current, filled, n);
      filled += n;
      at += n;
      if (filled == rowLength) {
        rows.accept(current);
        emittedRows++;
        current = new int[rowLength];
        filled = 0;
      }
    }
  }

  /** Tokens waiting for a row that will never fill once the input ends. */
  public int pendingTokens() {
    return filled;
  }

  public long emittedRows() {
    return emittedRows;
  }
}
