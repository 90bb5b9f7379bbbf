package io.llmforge.pipeline.text;

/**
 * Bytes decoded to text.
 *
 * @param text         the decoded text, with undecodable byte sequences replaced by U+FFFD
 * @param charset      the charset used
 * @param invalidChars how many U+FFFD replacements decoding introduced
 */
public record DecodedText(String text, String charset, int invalidChars) {

  /** Share of the decoded characters that were invalid input. */
  public double invalidFraction() {
    return text.isEmpty() ? 0 : (double) invalidChars / text.length();
  }
}
