package io.llmforge.pipeline.extract;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeTraversor;
import org.jsoup.select.NodeVisitor;

/**
 * Cuts a (cleaned) DOM into {@link Block}s the way a browser lays text out: every block-level element
 * starts and ends a block, inline elements and text flow into the current one, {@code <br>} breaks a
 * line. Whitespace is collapsed except inside {@code <pre>}. One iterative pass (jsoup's traversor), so
 * deep or huge documents cost linear time and no stack.
 */
final class BlockSegmenter {
  /** Elements that start a new block; anything else (including unknown tags) flows inline, like CSS. */
  static final Set<String> BLOCK_TAGS = Set.of(
      "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog",
      "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
      "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "ol",
      "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul");

  /** Between the cells of a table row, which becomes one line. */
  static final String CELL_SEPARATOR = " | ";

  private BlockSegmenter() {}

  /**
   * A data cell: a {@code td}/{@code th} without block children or line breaks. Its row becomes one
   * line, as in the benchmark's ground truth; a layout cell holding paragraphs stays a block of its own.
   */
  static boolean isInlineCell(Element e) {
    String name = e.normalName();
    if (!name.equals("td") && !name.equals("th")) {
      return false;
    }
    for (Element child : e.children()) {
      if (child.normalName().equals("br") || isBlock(child)) {
        return false;
      }
    }
    return true;
  }

  static boolean isBlock(Element e) {
    return BLOCK_TAGS.contains(e.normalName());
  }

  /**
   * Whether {@code e} cuts blocks at its start and end (a block-level tag, not a data cell). Exactly for
   * these elements are the blocks of the subtree a contiguous range that holds nothing from outside.
   */
  static boolean startsBlock(Element e) {
    return isBlock(e) && !isInlineCell(e);
  }

  /** Blocks of {@code root}'s subtree in document order; {@code root} itself must be block-level. */
  static List<Block> segment(Element root) {
    return segment(root, Set.of());
  }

  /**
   * As {@link #segment(Element)}, counting all text under the {@code furniture} elements as link text:
   * they are page furniture (see {@link BoilerplateRemover}), so their blocks weigh and are dropped like
   * links.
   */
  static List<Block> segment(Element root, Set<Element> furniture) {
    Visitor v = new Visitor(root, furniture);
    NodeTraversor.traverse(v, root);
    v.flush();
    return v.blocks;
  }

  private static final class Visitor implements NodeVisitor {
    final List<Block> blocks = new ArrayList<>();
    private final Deque<Element> owners = new ArrayDeque<>();
    private final StringBuilder text = new StringBuilder();
    private int linkChars;
    private int linkDepth;
    private int preDepth;
    private int furnitureDepth;
    private final Set<Element> furniture;

    Visitor(Element root, Set<Element> furniture) {
      this.furniture = furniture;
      owners.push(root);
    }

    @Override
    public void head(Node node, int depth) {
      if (node instanceof TextNode t) {
        appendText(t);
      } else if (node instanceof Element e) {
        String name = e.normalName();
        if (name.equals("br")) {
          trimTrailingSpace();
          text.append('\n');
        } else if (name.equals("a")) {
          linkDepth++;
        } else if (name.equals("pre")) {
          preDepth++;
        }
        if (furniture.contains(e)) {
          furnitureDepth++;
        }
        if (isInlineCell(e)) {
          trimTrailingSpace();
          if (text.length() > 0 && text.charAt(text.length() - 1) != '\n') {
            text.append(CELL_SEPARATOR);
          }
        } else if (startsBlock(e) && depth > 0) {
          flush();
          owners.push(e);
        }
      }
    }

    @Override
    public void tail(Node node, int depth) {
      if (node instanceof Element e) {
        String name = e.normalName();
        if (name.equals("a")) {
          linkDepth--;
        } else if (name.equals("pre")) {
          preDepth--;
        }
        if (furniture.contains(e)) {
          furnitureDepth--;
        }
        if (startsBlock(e) && depth > 0) {
          flush();
          owners.pop();
        }
      }
    }

    private void appendText(TextNode t) {
      String raw = t.getWholeText();
      int before = text.length();
      if (preDepth > 0) {
        text.append(raw.replace("\r\n", "\n").replace('\r', '\n').replace('\u00a0', ' '));
      } else {
        for (int i = 0; i < raw.length(); i++) {
          char c = raw.charAt(i);
          if (isSpace(c)) {
            if (text.length() > 0 && !isSpace(text.charAt(text.length() - 1))) {
              text.append(' ');
            }
          } else {
            text.append(c);
          }
        }
      }
      if (linkDepth > 0 || furnitureDepth > 0) {
        linkChars += Block.nonBlankChars(text.subSequence(before, text.length()));
      }
    }

    private void trimTrailingSpace() {
      while (text.length() > 0 && text.charAt(text.length() - 1) == ' ') {
        text.setLength(text.length() - 1);
      }
    }

    void flush() {
      Element owner = owners.peek();
      Block.Kind kind = kindOf(owner);
      String s = tidy(text, kind == Block.Kind.PRE);
      if (!s.isEmpty()) {
        blocks.add(new Block(s, Math.min(linkChars, Block.nonBlankChars(s)), kind, owner, blocks.size()));
      }
      text.setLength(0);
      linkChars = 0;
    }
  }

  /**
   * Trims every line and drops the empty ones: a block's lines are its {@code <br>}-separated lines. In
   * preformatted text only trailing blanks go, so code keeps its indentation.
   */
  private static String tidy(StringBuilder sb, boolean pre) {
    StringBuilder out = new StringBuilder(sb.length());
    for (String line : sb.toString().split("\n")) {
      String l = pre ? line.stripTrailing() : line.strip();
      if (!l.isEmpty()) {
        if (out.length() > 0) {
          out.append('\n');
        }
        out.append(l);
      }
    }
    return out.toString();
  }

  static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u00a0'
        || c == '\u200b' || c == '\u3000' || (c >= '\u2000' && c <= '\u200a');
  }

  static Block.Kind kindOf(Element owner) {
    return switch (owner.normalName()) {
      case "h1" -> Block.Kind.HEADLINE;
      case "h2", "h3", "h4", "h5", "h6" -> Block.Kind.HEADING;
      case "p" -> Block.Kind.PARAGRAPH;
      case "li", "dd", "dt" -> Block.Kind.LIST_ITEM;
      case "blockquote" -> Block.Kind.QUOTE;
      case "pre" -> Block.Kind.PRE;
      case "tr", "td", "th" -> Block.Kind.TABLE;
      default -> Block.Kind.OTHER;
    };
  }
}
