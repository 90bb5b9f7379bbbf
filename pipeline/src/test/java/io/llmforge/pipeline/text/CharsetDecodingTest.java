package io.llmforge.pipeline.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CharsetDecodingTest {

  @Test
  void validUtf8HasNoInvalidChars() {
    DecodedText d = CharsetDecoding.decode("héllo 😀 世界".getBytes(StandardCharsets.UTF_8), null, false);
    assertEquals("héllo 😀 世界", d.text());
    assertEquals(0, d.invalidChars());
  }

  @Test
  void invalidBytesAreReplacedAndCounted() {
    byte[] bytes = {'a', (byte) 0xC3, 'b', (byte) 0xFF, (byte) 0xFE, 'c'};
    DecodedText d = CharsetDecoding.decode(bytes, "utf-8", false);
    assertEquals(3, d.invalidChars());
    assertTrue(d.text().startsWith("a\uFFFDb"));
    assertEquals(0.5, d.invalidFraction(), 1e-9);
  }

  @Test
  void declaredCharsetWins() {
    byte[] latin = "caf\u00e9 \u20ac".getBytes(Charset.forName("windows-1252"));
    assertEquals("café €", CharsetDecoding.decode(latin, "windows-1252", true).text());
    // latin-1 labels decode as windows-1252, as browsers do: 0x80 is the euro sign.
    assertEquals("café €", CharsetDecoding.decode(latin, "ISO-8859-1", true).text());
  }

  @Test
  void metaCharsetIsSniffedWhenTheHeaderIsSilent() {
    byte[] page = "<html><head><meta charset=\"windows-1251\"></head><body>\u041f\u0440\u0438\u0432\u0435\u0442</body>"
        .getBytes(Charset.forName("windows-1251"));
    assertTrue(CharsetDecoding.decode(page, null, true).text().contains("Привет"));
  }

  @Test
  void unknownCharsetFallsBackToUtf8() {
    assertEquals("ok", CharsetDecoding.decode("ok".getBytes(StandardCharsets.UTF_8), "x-no-such-charset", true).text());
  }
}
