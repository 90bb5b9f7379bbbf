package io.llmforge.quality;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts running text (a book, a dump of articles one per line) into document-sized training examples, so that a
 * 30 KB article and a 2 KB web page are compared at the same size and length alone does not give the class away.
 *
 * <p>Lines are paragraphs. Short consecutive lines are joined until a chunk reaches the target size; a line
 * longer than the target is cut at sentence ends into pieces of about the target size. Every chunk carries
 * the index of the line it started in as its group, and that line's text: all chunks of one long line (one
 * article) share a group, and the train/test split is made by group, so one article never lands on both sides of
 * the split.
 */
public final class TextChunker {
  private TextChunker() {}

  /**
   * One chunk and the line it starts in.
   *
   * @param group     that line's index
   * @param groupLine that line's text (the whole article for the pieces of one long line; shared, not copied)
   */
  public record Chunk(String text, int group, String groupLine) {}

  public static List<Chunk> chunk(String text, int targetChars) {
    if (targetChars < 1) {
      throw new IllegalArgumentException("targetChars must be positive, got " + targetChars);
    }
    List<Chunk> chunks = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    int currentGroup = -1;
    String currentLine = null;
    String[] lines = text.split("\r?\n");
    for (int lineNo = 0; lineNo < lines.length; lineNo++) {
      String line = lines[lineNo].strip();
      if (line.isEmpty()) {
        continue;
      }
      if (line.length() > targetChars) {
        flush(chunks, current, currentGroup, currentLine);
        for (String piece : splitAtSentences(line, targetChars)) {
          chunks.add(new Chunk(piece, lineNo, line));
        }
        continue;
      }
      if (current.length() > 0 && current.length() + 1 + line.length() > targetChars) {
        flush(chunks, current, currentGroup, currentLine);
      }
      if (current.length() == 0) {
        currentGroup = lineNo;
        currentLine = line;
      } else {
        current.append('\n');
      }
      current.append(line);
    }
    flush(chunks, current, currentGroup, currentLine);
    return chunks;
  }

  private static void flush(List<Chunk> chunks, StringBuilder current, int group, String groupLine) {
    if (current.length() > 0) {
      chunks.add(new Chunk(current.toString(), group, groupLine));
      current.setLength(0);
    }
  }

  /**
   * Pieces of about {@code target} chars, each ending at a sentence end ('.', '!' or '?' followed by a space or
   * a capital letter) where one exists in the second half of the window, else at a space, else hard.
   */
  static List<String> splitAtSentences(String line, int target) {
    List<String> pieces = new ArrayList<>();
    int start = 0;
    while (line.length() - start > target) {
      int end = cut(line, start, start + target);
      String piece = line.substring(start, end).strip();
      if (!piece.isEmpty()) {
        pieces.add(piece);
      }
      start = end;
    }
    String rest = line.substring(start).strip();
    if (!rest.isEmpty()) {
      // A short tail reads like a fragment: glue it to the previous piece rather than emit a stub.
      if (!pieces.isEmpty() && rest.length() < target / 4) {
        pieces.set(pieces.size() - 1, pieces.get(pieces.size() - 1) + " " + rest);
      } else {
        pieces.add(rest);
      }
    }
    return pieces;
  }

  private static int cut(String line, int start, int limit) {
    int half = start + (limit - start) / 2;
    for (int i = limit - 1; i >= half; i--) {
      char c = line.charAt(i);
      if ((c == '.' || c == '!' || c == '?') && i + 1 < line.length()) {
        char next = line.charAt(i + 1);
        if (next == ' ' || Character.isUpperCase(next)) {
          return i + 1;
        }
      }
    }
    for (int i = limit - 1; i >= half; i--) {
      if (line.charAt(i) == ' ') {
        return i + 1;
      }
    }
    return limit;
  }
}
