package io.llmforge.trainer.judge;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a judge's reply says about two answers shown as A and B. Read from MT-Bench's pairwise format
 * ({@code [[A]]}, {@code [[B]]}, {@code [[C]]} for a tie; Zheng et al. 2023), a {@code Verdict: A} line, or a reply
 * that is nothing but the letter (what a constrained in-process judge answers); anything else, or two different
 * verdicts in one reply, is {@link #UNPARSEABLE}. {@link #FAILED}: no reply at all (the request failed for good).
 */
public enum Verdict {
  A, B, TIE, UNPARSEABLE, FAILED;

  private static final Pattern TAG = Pattern.compile("\\[\\[\\s*([ABC])\\s*]]");
  private static final Pattern LINE = Pattern.compile("(?i)\\bverdict\\s*[:=]\\s*\\**\\s*\\[*\\s*(A|B|C|tie)\\b");
  private static final Pattern BARE = Pattern.compile("(?i)^[\\s\"'*(\\[]*(A|B|tie)[\\s\"'*)\\].!]*$");

  public static Verdict parse(String reply) {
    if (reply == null) {
      return FAILED;
    }
    Verdict tagged = single(TAG.matcher(reply));
    if (tagged != null) {
      return tagged;
    }
    Verdict line = single(LINE.matcher(reply));
    if (line != null) {
      return line;
    }
    Matcher bare = BARE.matcher(reply.strip());
    return bare.matches() ? of(bare.group(1)) : UNPARSEABLE;
  }

  /** The one verdict every match names; null when nothing matches, UNPARSEABLE when matches disagree. */
  private static Verdict single(Matcher m) {
    Verdict found = null;
    while (m.find()) {
      Verdict v = of(m.group(1));
      if (found != null && found != v) {
        return UNPARSEABLE;
      }
      found = v;
    }
    return found;
  }

  private static Verdict of(String token) {
    return switch (token.toUpperCase(Locale.ROOT)) {
      case "A" -> A;
      case "B" -> B;
      default -> TIE; // C, tie
    };
  }
}
