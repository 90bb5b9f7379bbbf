package io.llmforge.pipeline.filter;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * Finds which of a set of words occur as substrings of a text: a character trie walked from every start position,
 * O(text length x longest word). Plays the role of datatrove's Aho-Corasick automaton for URL sub-words, and
 * matches word-list entries of scripts written without spaces (Chinese, Japanese, Thai) inside running text, as
 * C4's bad-words filter does for those languages. Immutable once built; thread-safe for reads.
 */
final class SubstringTrie implements Serializable {
  private static final long serialVersionUID = 1L;

  private static final class Node implements Serializable {
    private static final long serialVersionUID = 1L;
    final Map<Character, Node> next = new HashMap<>(4);
    String word;
  }

  /** Occurrences found by {@link #scan}: how many start positions begin a listed word, and the first word. */
  record Hits(int count, String first) {
    static final Hits NONE = new Hits(0, null);
  }

  private final Node root = new Node();
  private int size;

  /** Adds a word; empty words are ignored (they would match everywhere). */
  void add(String word) {
    if (word.isEmpty()) {
      return;
    }
    Node node = root;
    for (int i = 0; i < word.length(); i++) {
      node = node.next.computeIfAbsent(word.charAt(i), c -> new Node());
    }
    if (node.word == null) {
      node.word = word;
      size++;
    }
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** The first listed word found in {@code text} (left-most start, then shortest), or null. */
  String firstIn(CharSequence text) {
    return scan(text, true).first();
  }

  /**
   * Scans {@code text}; counts the start positions at which some listed word begins.
   *
   * @param stopAtFirst return as soon as one word is found
   */
  Hits scan(CharSequence text, boolean stopAtFirst) {
    if (size == 0) {
      return Hits.NONE;
    }
    int count = 0;
    String first = null;
    for (int start = 0; start < text.length(); start++) {
      Node node = root;
      for (int i = start; i < text.length(); i++) {
        node = node.next.get(text.charAt(i));
        if (node == null) {
          break;
        }
        if (node.word != null) {
          count++;
          if (first == null) {
            first = node.word;
          }
          break;
        }
      }
      if (stopAtFirst && first != null) {
        break;
      }
    }
    return count == 0 ? Hits.NONE : new Hits(count, first);
  }
}
