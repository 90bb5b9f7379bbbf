package io.llmforge.trainer.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The text on its way out: UTF-8 assembled across token boundaries, and stop strings held back until decided. */
class TextPiecesTest {

  @Test
  void utf8PiecesJoinToWhatStringDecodes() {
    Random r = new Random(9);
    byte[] text = "héllo wörld, 你好, 🙂 and invalid: ".getBytes(StandardCharsets.UTF_8);
    for (int trial = 0; trial < 200; trial++) {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      Utf8Text utf8 = new Utf8Text();
      StringBuilder streamed = new StringBuilder();
      int pieces = 1 + r.nextInt(12);
      for (int i = 0; i < pieces; i++) {
        byte[] piece;
        if (r.nextInt(4) == 0) { // random bytes: malformed sequences, lone continuation bytes, truncated leads
          piece = new byte[1 + r.nextInt(3)];
          r.nextBytes(piece);
        } else {
          int from = r.nextInt(text.length);
          piece = java.util.Arrays.copyOfRange(text, from, Math.min(text.length, from + 1 + r.nextInt(4)));
        }
        all.writeBytes(piece);
        streamed.append(utf8.add(piece));
      }
      streamed.append(utf8.finish());
      assertEquals(new String(all.toByteArray(), StandardCharsets.UTF_8), streamed.toString(), "trial " + trial);
    }
  }

  @Test
  void aCharacterSplitAcrossTokensComesOutWhole() {
    Utf8Text utf8 = new Utf8Text();
    byte[] smile = "🙂".getBytes(StandardCharsets.UTF_8);
    assertEquals("", utf8.add(new byte[] {smile[0], smile[1]}));
    assertEquals("🙂", utf8.add(new byte[] {smile[2], smile[3]}));
  }

  @Test
  void stopStringsAreFoundAcrossPiecesAndNeverSent() {
    StopStrings stops = new StopStrings(List.of("END", "\n\n"));
    StringBuilder sent = new StringBuilder();
    StopStrings.Result r = null;
    for (String piece : List.of("Hello E", "N", "x wor", "ld E", "N", "D and more")) {
      r = stops.add(piece);
      sent.append(r.text());
      if (r.stopped()) {
        break;
      }
    }
    assertTrue(r.stopped());
    assertEquals("Hello ENx world ", sent.toString());
    assertEquals("", stops.finish());
  }

  @Test
  void heldBackTextIsReleasedWhenItIsNotAStop() {
    StopStrings stops = new StopStrings(List.of("abc"));
    assertEquals("x", stops.add("xab").text(), "'ab' could start 'abc'");
    assertEquals("abd", stops.add("d").text());
    assertEquals("", stops.add("a").text());
    assertEquals("a", stops.finish(), "the end of the answer: what was held was text");
    StopStrings none = new StopStrings(List.of());
    assertEquals("anything", none.add("anything").text());
    assertFalse(none.add("abc").stopped());
  }

  @Test
  void theEarliestOfSeveralStopsWins() {
    StopStrings stops = new StopStrings(List.of("bb", "a"));
    StopStrings.Result r = stops.add("xxbbya");
    assertTrue(r.stopped());
    assertEquals("xx", r.text());
  }
}
