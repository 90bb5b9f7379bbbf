package io.llmforge.pipeline.tokenizer;

import java.util.Arrays;

/** A growable {@code int[]}: token ids without boxing. */
public final class IntList {
  private int[] values;
  private int size;

  public IntList() {
    this(16);
  }

  public IntList(int capacity) {
    values = new int[Math.max(1, capacity)];
  }

  public void add(int value) {
    if (size == values.length) {
      values = Arrays.copyOf(values, values.length * 2);
    }
    values[size++] = value;
  }

  public void addAll(int[] more) {
    addAll(more, 0, more.length);
  }

  public void addAll(int[] more, int from, int to) {
    int n = to - from;
    if (size + n > values.length) {
      values = Arrays.copyOf(values, Math.max(values.length * 2, size + n));
    }
    System.arraycopy(more, from, values, size, n);
    size += n;
  }

  public int get(int index) {
    if (index >= size) {
      throw new IndexOutOfBoundsException(index + " >= " + size);
    }
    return values[index];
  }

  public int size() {
    return size;
  }

  public void clear() {
    size = 0;
  }

  public int[] toArray() {
    return Arrays.copyOf(values, size);
  }
}
