package io.llmforge.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TextChunkerTest {

  @Test
  void shortLinesAreJoinedUpToTheTarget() {
    List<TextChunker.Chunk> chunks = TextChunker.chunk("aaaa\nbbbb\n\ncccc\ndddd\n", 10);
    assertEquals(List.of(new TextChunker.Chunk("aaaa\nbbbb", 0, "aaaa"), new TextChunker.Chunk("cccc\ndddd", 3, "cccc")),
        chunks);
  }

  @Test
  void aLongLineIsCutAtSentenceEndsAndKeepsItsLineAsGroup() {
    String sentence = "The quick brown fox jumps over the lazy dog. ";
    String article = sentence.repeat(20).strip();
    List<TextChunker.Chunk> chunks = TextChunker.chunk("Title\n" + article + "\nNext line", 200);
    assertEquals(new TextChunker.Chunk("Title", 0, "Title"), chunks.get(0));
    List<TextChunker.Chunk> pieces = chunks.subList(1, chunks.size() - 1);
    assertTrue(pieces.size() >= 4, "cut into pieces: " + pieces.size());
    for (TextChunker.Chunk piece : pieces) {
      assertEquals(1, piece.group(), "every piece of the article shares its line as group");
      assertEquals(article, piece.groupLine());
      assertTrue(piece.text().endsWith("."), "ends at a sentence end: " + piece.text());
      assertTrue(piece.text().length() <= 200 + 200 / 4, "about the target size: " + piece.text().length());
    }
    assertEquals(article, String.join(" ", pieces.stream().map(TextChunker.Chunk::text).toList()),
        "no text is lost or duplicated");
    assertEquals(new TextChunker.Chunk("Next line", 2, "Next line"), chunks.get(chunks.size() - 1));
  }

  @Test
  void textWithoutSentenceEndsIsCutAtSpacesThenHard() {
    assertEquals(List.of("aaaa bbbb", "cccc"), TextChunker.splitAtSentences("aaaa bbbb cccc", 10));
    assertEquals(List.of("aaaaaaaaaa", "aaaaaaaaaa", "aaaaa"), TextChunker.splitAtSentences("a".repeat(25), 10));
  }

  @Test
  void blankTextHasNoChunks() {
    assertEquals(List.of(), TextChunker.chunk("\n \n\n", 100));
  }
}
