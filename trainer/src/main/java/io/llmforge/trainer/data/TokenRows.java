package io.llmforge.trainer.data;

/**
 * Shard rows of {@code T + 1} ids as the model sees them: inputs are ids {@code [0, T)}, targets the same row shifted
 * by one, ids {@code [1, T]} (next-token prediction).
 */
public record TokenRows(int[][] inputs, int[][] targets) {

  public static TokenRows shifted(int[][] rows) {
    int[][] inputs = new int[rows.length][];
    int[][] targets = new int[rows.length][];
    for (int b = 0; b < rows.length; b++) {
      int t = rows[b].length - 1;
      if (t < 1 || (b > 0 && t != inputs[0].length)) {
        throw new IllegalArgumentException("row " + b + " has " + rows[b].length + " ids; rows need the same "
            + "length, at least 2");
      }
      inputs[b] = java.util.Arrays.copyOfRange(rows[b], 0, t);
      targets[b] = java.util.Arrays.copyOfRange(rows[b], 1, t + 1);
    }
    return new TokenRows(inputs, targets);
  }

  public int batch() {
    return inputs.length;
  }

  public int time() {
    return inputs[0].length;
  }
}
