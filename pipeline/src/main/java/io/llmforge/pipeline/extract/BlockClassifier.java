package io.llmforge.pipeline.extract;

import java.util.List;

/**
 * jusText-style labels for blocks, without language-specific stop lists so that it works for any
 * script: long, link-poor text is prose ({@link Label#GOOD}), link-heavy text is navigation
 * ({@link Label#BAD}), and the rest ({@link Label#SHORT}: datelines, subheadings, one-line paragraphs,
 * table rows) is decided later by its kind and its neighbours.
 */
final class BlockClassifier {

  enum Label {
    GOOD,
    SHORT,
    BAD
  }

  private final HtmlExtractor.Options options;

  BlockClassifier(HtmlExtractor.Options options) {
    this.options = options;
  }

  Label label(Block b) {
    if (b.linkDensity() > options.maxLinkDensity()) {
      return Label.BAD;
    }
    if (b.kind == Block.Kind.HEADLINE || b.kind == Block.Kind.HEADING) {
      return Label.SHORT;
    }
    return b.chars >= options.minBlockChars() ? Label.GOOD : Label.SHORT;
  }

  Label[] labels(List<Block> blocks) {
    Label[] out = new Label[blocks.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = label(blocks.get(i));
    }
    return out;
  }

  /**
   * A block's vote for the subtrees that contain it. Its unlinked text votes for, ramped by length so
   * that a paragraph counts fully and a "Share" label hardly at all; a link-heavy block votes against
   * with all its text. So a container of teasers (a linked title and a blurb each) nets little, and an
   * article nets a lot.
   */
  double weight(Block b, Label label) {
    if (label == Label.BAD) {
      return -options.linkPenalty() * b.chars;
    }
    double ramp = Math.min(1.0, (double) b.chars / options.minBlockChars());
    return (b.chars - b.linkChars) * ramp;
  }
}
