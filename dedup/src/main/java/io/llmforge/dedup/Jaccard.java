package io.llmforge.dedup;

/** Jaccard similarity: exact on sorted sets, estimated from MinHash signatures. */
public final class Jaccard {
  private Jaccard() {}

  /** |a ∩ b| / |a ∪ b| of two sorted, distinct arrays; 0 when both are empty. */
  public static double exact(long[] a, long[] b) {
    int common = intersectionSize(a, b);
    int union = a.length + b.length - common;
    return union == 0 ? 0.0 : (double) common / union;
  }

  /** |a ∩ b| of two sorted, distinct arrays, by one merge pass. */
  public static int intersectionSize(long[] a, long[] b) {
    int i = 0;
    int j = 0;
    int common = 0;
    while (i < a.length && j < b.length) {
      if (a[i] < b[j]) {
        i++;
      } else if (a[i] > b[j]) {
        j++;
      } else {
        common++;
        i++;
        j++;
      }
    }
    return common;
  }

  /** Share of positions where two signatures agree; 0 when either is empty (a document without words). */
  public static double estimate(long[] signatureA, long[] signatureB) {
    if (signatureA.length == 0 || signatureB.length == 0) {
      return 0.0;
    }
    if (signatureA.length != signatureB.length) {
      throw new IllegalArgumentException("signatures of different lengths: " + signatureA.length + " and "
          + signatureB.length);
    }
    int equal = 0;
    for (int i = 0; i < signatureA.length; i++) {
      if (signatureA[i] == signatureB[i]) {
        equal++;
      }
    }
    return (double) equal / signatureA.length;
  }
}
