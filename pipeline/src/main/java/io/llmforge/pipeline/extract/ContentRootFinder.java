package io.llmforge.pipeline.extract;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.select.NodeTraversor;
import org.jsoup.select.NodeVisitor;

/**
 * Picks the subtree that holds the article: the block-level element whose blocks have the highest summed
 * weight, where prose counts for and link lists count against (see {@link BlockClassifier#weight}). This
 * is the maximum-weight subtree, found bottom-up in one pass: a parent is only preferred to its child
 * when what it adds weighs more than nothing, so the root stops growing at the first menu or teaser rail
 * that outweighs the extra prose it would bring, yet spans sibling containers of one split article.
 *
 * <p>Markup that names the content tips the balance: schema.org's {@code itemprop="articleBody"} is a
 * declaration made for machines and gets a large bonus; {@code <article>}, {@code <main>} and content
 * class names ("entry-content") are conventions, often also used for teasers, and get a small one. A
 * bonus applies to the element's own score only and is not passed up, so the parent competes with its
 * plain weight.
 */
final class ContentRootFinder {

  /** The winning subtree, the half-open range of block indices it holds, and its score. */
  record Root(Element element, int fromBlock, int toBlock, double score) {
    Root {
      if (fromBlock < 0 || toBlock <= fromBlock) {
        throw new IllegalArgumentException("bad block range " + fromBlock + ".." + toBlock);
      }
    }
  }

  private ContentRootFinder() {}

  /**
   * @param top     element the blocks were cut from
   * @param blocks  its blocks in document order
   * @param weight  the weight of each block, parallel to {@code blocks}
   * @param options for the content bonuses
   * @return the best root, or null when no subtree scores above zero
   */
  static Root find(Element top, List<Block> blocks, double[] weight, HtmlExtractor.Options options) {
    if (blocks.size() != weight.length) {
      throw new IllegalArgumentException("one weight per block");
    }
    Map<Element, Frame> own = new IdentityHashMap<>();
    for (Block b : blocks) {
      own.computeIfAbsent(b.owner, k -> new Frame()).add(weight[b.index], b.index, b.index + 1);
    }
    Search search = new Search(own, options);
    NodeTraversor.traverse(search, top);
    return search.best;
  }

  /** Multiplier for an element's score from how its markup names it. */
  static double bonus(Element e, HtmlExtractor.Options options) {
    if (e.attr("itemprop").toLowerCase(Locale.ROOT).contains("articlebody")) {
      return 1 + options.declaredBodyBonus();
    }
    String tag = e.normalName();
    if (tag.equals("article") || tag.equals("main") || ClassHints.judge(e) == ClassHints.Verdict.CONTENT) {
      return 1 + options.contentBonus();
    }
    return 1;
  }

  /** Summed weight and block range of a subtree under construction. */
  private static final class Frame {
    double weight;
    int from = Integer.MAX_VALUE;
    int to = Integer.MIN_VALUE;

    void add(double w, int f, int t) {
      weight += w;
      from = Math.min(from, f);
      to = Math.max(to, t);
    }

    boolean isEmpty() {
      return to <= from;
    }
  }

  private static final class Search implements NodeVisitor {
    private final Map<Element, Frame> own;
    private final HtmlExtractor.Options options;
    private final Deque<Frame> stack = new ArrayDeque<>();
    Root best;

    Search(Map<Element, Frame> own, HtmlExtractor.Options options) {
      this.own = own;
      this.options = options;
    }

    @Override
    public void head(Node node, int depth) {
      if (node instanceof Element) {
        stack.push(new Frame());
      }
    }

    @Override
    public void tail(Node node, int depth) {
      if (!(node instanceof Element e)) {
        return;
      }
      Frame f = stack.pop();
      Frame mine = own.get(e);
      if (mine != null) {
        f.add(mine.weight, mine.from, mine.to);
      }
      if (f.isEmpty()) {
        return;
      }
      if (!stack.isEmpty()) {
        stack.peek().add(f.weight, f.from, f.to);
      }
      // Only block-level elements own whole blocks, so only their ranges are contiguous. Post-order
      // with a strict '>' keeps the deepest of equally good subtrees: the tightest fit.
      if (f.weight > 0 && BlockSegmenter.startsBlock(e)) {
        double score = f.weight * bonus(e, options);
        if (best == null || score > best.score()) {
          best = new Root(e, f.from, f.to, score);
        }
      }
    }
  }
}
