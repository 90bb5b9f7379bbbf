package io.llmforge.trainer.serve;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Token bytes in, text out as soon as it is whole: a byte-level BPE token may end inside a UTF-8 character, so the
 * bytes of an unfinished character wait for the next token. Invalid bytes become U+FFFD exactly as
 * {@code new String(bytes, UTF_8)} (what {@code ByteLevelBpe.decode} does) would replace them, so the streamed
 * pieces always join to the decoded text of the same ids.
 */
final class Utf8Text {
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPLACE)
      .onUnmappableCharacter(CodingErrorAction.REPLACE);
  private ByteBuffer pending = ByteBuffer.allocate(0);

  /** The text that {@code bytes} complete (possibly empty). */
  String add(byte[] bytes) {
    ByteBuffer in = ByteBuffer.allocate(pending.remaining() + bytes.length);
    in.put(pending).put(bytes).flip();
    CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
    decoder.decode(in, out, false);
    pending = in.slice(); // the start of an unfinished character
    return out.flip().toString();
  }

  /** The end of the text: bytes of an unfinished character become U+FFFD. */
  String finish() {
    CharBuffer out = CharBuffer.allocate(pending.remaining() + 2);
    decoder.decode(pending, out, true);
    decoder.flush(out);
    decoder.reset();
    pending = ByteBuffer.allocate(0);
    return out.flip().toString();
  }
}
