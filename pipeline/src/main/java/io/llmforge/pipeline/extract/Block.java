package io.llmforge.pipeline.extract;

import java.util.Objects;
import org.jsoup.nodes.Element;

/**
 * One run of text between block-level boundaries: the unit the extractor classifies and keeps or drops.
 * A paragraph, a heading, a list item, a table row, or the loose text of a {@code div}.
 */
final class Block {

  /** The kind of element a block came from; decides how short text is treated and how it is joined. */
  enum Kind {
    /** {@code h1}: usually the page headline, which article bodies leave out. */
    HEADLINE,
    /** {@code h2}..{@code h6}. */
    HEADING,
    PARAGRAPH,
    LIST_ITEM,
    QUOTE,
    PRE,
    /** A table row (its data cells joined on one line) or a layout cell. */
    TABLE,
    /** Loose text directly in a {@code div}, {@code section} and the like. */
    OTHER
  }

  /** Collapsed text; may hold '\n' from {@code <br>}; never blank. */
  final String text;
  /** Non-blank characters: what density heuristics count, so indentation does not dilute links. */
  final int chars;
  /** How many of {@link #chars} sit inside links. */
  final int linkChars;
  final Kind kind;
  /** Nearest block-level element around the text; maps the block back to the DOM. */
  final Element owner;
  /** Position in document order, 0-based. */
  final int index;

  Block(String text, int linkChars, Kind kind, Element owner, int index) {
    this.text = Objects.requireNonNull(text, "text");
    this.kind = Objects.requireNonNull(kind, "kind");
    this.owner = Objects.requireNonNull(owner, "owner");
    this.chars = nonBlankChars(text);
    if (chars == 0) {
      throw new IllegalArgumentException("a block holds text");
    }
    if (linkChars < 0 || linkChars > chars) {
      throw new IllegalArgumentException("linkChars " + linkChars + " not in [0," + chars + "]");
    }
    if (index < 0) {
      throw new IllegalArgumentException("index < 0");
    }
    this.linkChars = linkChars;
    this.index = index;
  }

  /** Share of the text inside links, in [0,1]. */
  double linkDensity() {
    return (double) linkChars / chars;
  }

  static int nonBlankChars(CharSequence s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isWhitespace(s.charAt(i))) {
        n++;
      }
    }
    return n;
  }

  @Override
  public String toString() {
    return kind + "[" + index + ", " + chars + " chars, links " + linkChars + "]: " + text;
  }
}
