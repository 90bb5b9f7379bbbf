package io.llmforge.trainer.preference;

import java.util.ArrayList;
import java.util.List;

/**
 * How an offline preference algorithm turns a batch of its examples into model rows: one or more forward passes,
 * each giving every example of the batch one summed answer log-prob per row it owns. The reference pass and training
 * both score through this, so the rows, their order and their padding are the same in both (the policy's first
 * held-out evaluation then equals the reference's bit for bit).
 *
 * <p>DPO: one pass, rows chosen_0, rejected_0, chosen_1, ... KTO: first the mismatched (KL) rows, then the answers,
 * so that the answers' pass is the one left in the engine for a backward.
 */
interface RowLayout<T> {

  /** The rows of one pass and each row's prompt length, example i owning rows [i k, (i + 1) k). */
  record Rows(List<int[]> ids, int[] promptTokens) {}

  /** Names the rows in the reference file's key, so a file of another algorithm is never read as this one's. */
  String name();

  String id(T example);

  int passes();

  Rows rows(List<T> batch, int pass);

  /**
   * Every pass of {@code batch} through {@code logps} (all padded to one length, so the engine keeps one buffer
   * shape): [example][value], the values of pass 0's rows first. The last pass stays in the engine for a backward.
   */
  default double[][] score(AnswerLogProbs logps, List<T> batch) {
    List<Rows> all = new ArrayList<>(passes());
    int longest = 0;
    for (int p = 0; p < passes(); p++) {
      Rows r = rows(batch, p);
      all.add(r);
      for (int[] ids : r.ids()) {
        longest = Math.max(longest, ids.length);
      }
    }
    double[][] out = new double[batch.size()][];
    for (Rows r : all) {
      double[] lp = logps.forward(r.ids(), r.promptTokens(), longest);
      int k = lp.length / batch.size();
      for (int i = 0; i < batch.size(); i++) {
        double[] before = out[i] == null ? new double[0] : out[i];
        double[] v = java.util.Arrays.copyOf(before, before.length + k);
        System.arraycopy(lp, i * k, v, before.length, k);
        out[i] = v;
      }
    }
    return out;
  }

  /** Consecutive batches of {@code size} from the start: how held-out sets and the reference pass are batched. */
  static <T> List<List<T>> batches(List<T> examples, int size) {
    return io.llmforge.trainer.data.Chunks.of(examples, size);
  }
}
