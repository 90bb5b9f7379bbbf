package io.llmforge.pipeline.text;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decodes page bytes: the HTTP-declared charset, else a {@code <meta charset>} in the first bytes, else UTF-8.
 * Invalid sequences are replaced and counted (never thrown), so the job can reject pages that are mostly
 * garbage and keep pages with a stray bad byte.
 */
public final class CharsetDecoding {
  private static final int SNIFF_BYTES = 4096;
  private static final Pattern META_CHARSET =
      Pattern.compile("<meta[^>]+charset\\s*=\\s*[\"']?([A-Za-z0-9_.:-]+)", Pattern.CASE_INSENSITIVE);

  private CharsetDecoding() {}

  public static DecodedText decode(byte[] bytes, String declaredCharset, boolean sniffHtml) {
    Charset charset = charsetOrNull(declaredCharset);
    if (charset == null && sniffHtml) {
      String head = new String(bytes, 0, Math.min(bytes.length, SNIFF_BYTES), StandardCharsets.ISO_8859_1);
      Matcher m = META_CHARSET.matcher(head);
      if (m.find()) {
        charset = charsetOrNull(m.group(1));
      }
    }
    if (charset == null) {
      charset = StandardCharsets.UTF_8;
    }
    // Browsers treat latin-1 labels as windows-1252; so do we, it decodes 0x80-0x9F to real characters.
    if (charset.equals(StandardCharsets.ISO_8859_1) || charset.name().equalsIgnoreCase("US-ASCII")) {
      charset = charsetOrNull("windows-1252") != null ? Charset.forName("windows-1252") : charset;
    }
    return decodeWith(bytes, charset);
  }

  static DecodedText decodeWith(byte[] bytes, Charset charset) {
    CharsetDecoder decoder = charset.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 16L,
        (long) (bytes.length * (double) decoder.maxCharsPerByte()) + 16));
    int invalid = 0;
    try {
      while (true) {
        CoderResult result = in.hasRemaining() ? decoder.decode(in, out, true) : CoderResult.UNDERFLOW;
        if (result.isError()) {
          invalid++;
          out.put('\uFFFD');
          in.position(in.position() + result.length());
          continue;
        }
        if (result.isOverflow()) {
          CharBuffer bigger = CharBuffer.allocate(out.capacity() * 2);
          out.flip();
          bigger.put(out);
          out = bigger;
          continue;
        }
        break;
      }
      decoder.flush(out);
    } catch (IllegalStateException e) {
      // Decoder misuse cannot happen with the loop above; fall back to the lenient JDK path.
      return new DecodedText(new String(bytes, charset), charset.name(), 0);
    }
    out.flip();
    return new DecodedText(out.toString(), charset.name(), invalid);
  }

  private static Charset charsetOrNull(String name) {
    if (name == null || name.isBlank()) {
      return null;
    }
    try {
      return Charset.forName(name.trim().toLowerCase(Locale.ROOT));
    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
      return null;
    }
  }

  /** Decodes strictly, for callers that must know the bytes are valid. */
  public static boolean isValidUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
