package io.llmforge.pipeline.extract;

import io.llmforge.pipeline.extract.BlockClassifier.Label;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides which blocks of the content root make the output. Prose stays and link lists go; short blocks
 * are judged by what they are and where they stand (jusText's context step): a one-line paragraph, list
 * item or table row inside the article is text; a heading is kept when prose follows it (an
 * {@code <h1>} only if it does not repeat the title); loose short text in a div (datelines, image
 * credits, "Advertisement") only when prose surrounds it on both sides. Linear: the nearest decided
 * neighbours are precomputed in two sweeps.
 */
final class BlockSelector {
  private BlockSelector() {}

  /**
   * @param from  first block of the content root
   * @param to    one past its last block
   * @param title the page title: an {@code <h1>} repeating it is the headline, not body text
   */
  static List<Block> select(List<Block> blocks, Label[] labels, int from, int to, String title) {
    if (from < 0 || to > blocks.size() || from > to || labels.length != blocks.size()) {
      throw new IllegalArgumentException("bad range " + from + ".." + to + " of " + blocks.size());
    }
    int n = to - from;
    // Label of the nearest non-SHORT block before / after each block; BAD past the root's edges.
    Label[] before = new Label[n];
    Label[] after = new Label[n];
    Label last = Label.BAD;
    for (int k = 0; k < n; k++) {
      before[k] = last;
      if (labels[from + k] != Label.SHORT) {
        last = labels[from + k];
      }
    }
    last = Label.BAD;
    for (int k = n - 1; k >= 0; k--) {
      after[k] = last;
      if (labels[from + k] != Label.SHORT) {
        last = labels[from + k];
      }
    }
    List<Block> kept = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      Block b = blocks.get(from + k);
      if (keep(b, labels, from + k, before[k], after[k], title)) {
        kept.add(b);
      }
    }
    return kept;
  }

  private static boolean keep(Block b, Label[] labels, int i, Label before, Label after, String title) {
    return switch (labels[i]) {
      case GOOD -> true;
      case BAD -> false;
      case SHORT -> switch (b.kind) {
        case HEADLINE -> after == Label.GOOD && !PageTitle.repeats(title, b.text);
        case HEADING -> after == Label.GOOD;
        case PARAGRAPH, LIST_ITEM, QUOTE, PRE, TABLE -> true;
        case OTHER -> before == Label.GOOD && after == Label.GOOD;
      };
    };
  }
}
