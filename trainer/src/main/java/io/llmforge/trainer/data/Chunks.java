package io.llmforge.trainer.data;

import java.util.ArrayList;
import java.util.List;

/** Consecutive pieces of a list: how held-out sets, reference passes and sampled answers are batched in order. */
public final class Chunks {
  private Chunks() {}

  /** Views of {@code all} of {@code size} elements from the start, the last one shorter. */
  public static <T> List<List<T>> of(List<T> all, int size) {
    if (size < 1) {
      throw new IllegalArgumentException("chunks of " + size);
    }
    List<List<T>> out = new ArrayList<>();
    for (int from = 0; from < all.size(); from += size) {
      out.add(all.subList(from, Math.min(all.size(), from + size)));
    }
    return out;
  }
}
