package io.llmforge.pipeline.extract;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.select.NodeFilter;
import org.jsoup.select.NodeTraversor;
import org.jsoup.select.NodeVisitor;

/**
 * Deals with the parts of a page that are never article text, before the content search, so that menus
 * and widgets can neither win it nor leak into the output. Three grades of evidence:
 * <ol>
 *   <li>certain: tags that never hold article text (script, nav, footer, iframe...) and hidden elements.
 *       Deleted.</li>
 *   <li>strong: class/id words naming widgets ({@link ClassHints}: cookie banners, share bars, related
 *       rails, comments). Deleted.</li>
 *   <li>furniture: weak class/id words (header, sidebar, byline), landmark roles (banner,
 *       complementary...) and tags some sites wrap whole pages in (form, header). Kept, but returned so
 *       that their text is treated as link text: never output, and it weighs against any subtree around
 *       it. Deleting it instead would also delete evidence: a teaser's linked headline sits in a
 *       {@code <header>}, and without it a list of teasers looks like an article.</li>
 * </ol>
 * Class/id words and roles are guesses, so grades 2 and 3 never touch an element holding more than a set
 * share of the page's prose (unlinked text in {@link BlockClassifier.Label#GOOD} blocks): a site's
 * "box article modal-enabled" wrapper or a page-wide ASP.NET form survives. Each step is one linear pass.
 */
final class BoilerplateRemover {
  /** Never content. */
  private static final Set<String> DROP_TAGS = Set.of(
      "script", "style", "noscript", "template", "nav", "footer", "aside", "iframe", "svg", "canvas",
      "object", "embed", "button", "select", "input", "textarea", "dialog", "menu", "link", "meta",
      "video", "audio", "map", "figcaption", "label");
  /** Usually furniture, but some sites wrap the whole page in them. */
  private static final Set<String> FURNITURE_TAGS = Set.of("form", "header");
  private static final Set<String> FURNITURE_ROLES = Set.of(
      "navigation", "banner", "contentinfo", "complementary", "dialog", "alertdialog", "menu", "menubar",
      "search", "toolbar");

  private final BlockClassifier classifier;
  private final double maxHintedShare;

  /**
   * @param classifier     decides which text is prose, for the guard
   * @param maxHintedShare class/id words, roles and furniture tags never touch an element holding more
   *                       than this share of the page's prose
   */
  BoilerplateRemover(BlockClassifier classifier, double maxHintedShare) {
    if (!(maxHintedShare > 0 && maxHintedShare <= 1)) {
      throw new IllegalArgumentException("maxHintedShare must be in (0,1]: " + maxHintedShare);
    }
    this.classifier = classifier;
    this.maxHintedShare = maxHintedShare;
  }

  /**
   * Deletes boilerplate below {@code root} (a block-level element) in place.
   *
   * @return the furniture elements (outermost only), as an identity set
   */
  Set<Element> clean(Element root) {
    removeBelow(root, e -> DROP_TAGS.contains(e.normalName()) || isHidden(e));
    Map<Element, Integer> prose = proseChars(root);
    double limit = maxHintedShare * prose.getOrDefault(root, 0);
    removeBelow(root, e -> ClassHints.judge(e) == ClassHints.Verdict.WIDGET
        && prose.getOrDefault(e, 0) <= limit);
    Set<Element> furniture = Collections.newSetFromMap(new IdentityHashMap<>());
    NodeTraversor.filter(new NodeFilter() {
      @Override
      public FilterResult head(Node node, int depth) {
        if (depth > 0 && node instanceof Element e && isFurniture(e)
            && prose.getOrDefault(e, 0) <= limit) {
          furniture.add(e);
          return FilterResult.SKIP_CHILDREN;
        }
        return FilterResult.CONTINUE;
      }

      @Override
      public FilterResult tail(Node node, int depth) {
        return FilterResult.CONTINUE;
      }
    }, root);
    return furniture;
  }

  private static boolean isFurniture(Element e) {
    String tag = e.normalName();
    if (tag.equals("article") || tag.equals("main") || tag.equals("body")) {
      return false;
    }
    return FURNITURE_TAGS.contains(tag)
        || FURNITURE_ROLES.contains(e.attr("role").toLowerCase(Locale.ROOT))
        || ClassHints.judge(e) == ClassHints.Verdict.FURNITURE;
  }

  private static boolean isHidden(Element e) {
    if (e.hasAttr("hidden") || "true".equalsIgnoreCase(e.attr("aria-hidden"))) {
      return true;
    }
    String style = e.attr("style");
    if (style.isEmpty()) {
      return false;
    }
    String s = style.toLowerCase(Locale.ROOT).replace(" ", "");
    return s.contains("display:none") || s.contains("visibility:hidden");
  }

  private static void removeBelow(Element root, Predicate<Element> drop) {
    NodeTraversor.filter(new NodeFilter() {
      @Override
      public FilterResult head(Node node, int depth) {
        return depth > 0 && node instanceof Element e && drop.test(e)
            ? FilterResult.REMOVE : FilterResult.CONTINUE;
      }

      @Override
      public FilterResult tail(Node node, int depth) {
        return FilterResult.CONTINUE;
      }
    }, root);
  }

  /**
   * Unlinked characters of prose blocks under every element, in one post-order pass. On a page without
   * any prose block, all unlinked text counts instead, so that the guard still protects the bulk.
   */
  private Map<Element, Integer> proseChars(Element root) {
    List<Block> blocks = BlockSegmenter.segment(root);
    boolean anyProse = false;
    for (Block b : blocks) {
      anyProse |= classifier.label(b) == BlockClassifier.Label.GOOD;
    }
    Map<Element, Integer> own = new IdentityHashMap<>();
    for (Block b : blocks) {
      if (!anyProse || classifier.label(b) == BlockClassifier.Label.GOOD) {
        own.merge(b.owner, b.chars - b.linkChars, Integer::sum);
      }
    }
    Map<Element, Integer> total = new IdentityHashMap<>();
    Deque<int[]> stack = new ArrayDeque<>();
    NodeTraversor.traverse(new NodeVisitor() {
      @Override
      public void head(Node node, int depth) {
        if (node instanceof Element) {
          stack.push(new int[1]);
        }
      }

      @Override
      public void tail(Node node, int depth) {
        if (node instanceof Element e) {
          int sum = stack.pop()[0] + own.getOrDefault(e, 0);
          if (sum > 0) {
            total.put(e, sum);
          }
          if (!stack.isEmpty()) {
            stack.peek()[0] += sum;
          }
        }
      }
    }, root);
    return total;
  }
}
