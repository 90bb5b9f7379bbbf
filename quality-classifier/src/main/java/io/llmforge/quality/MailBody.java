package io.llmforge.quality;

/**
 * The body of an RFC 822 message: everything after the first blank line. Mail headers (routes, message ids,
 * mailer names) identify a corpus's senders rather than the quality of the writing, so a classifier that sees
 * them learns the corpus, not the text.
 */
public final class MailBody {
  private MailBody() {}

  public static String of(String message) {
    int lf = message.indexOf("\n\n");
    int crlf = message.indexOf("\r\n\r\n");
    if (lf < 0 && crlf < 0) {
      return message;
    }
    if (crlf >= 0 && (lf < 0 || crlf < lf)) {
      return message.substring(crlf + 4);
    }
    return message.substring(lf + 2);
  }
}
