package io.llmforge.trainer.serve;

import java.util.List;

/**
 * OpenAI's {@code stop}: text stops before the first occurrence of any stop string, which is not part of the answer.
 * Text arrives in pieces (one token's worth at a time), so a piece whose end could be the start of a stop string is
 * held back until the next piece says whether it is; everything before that is safe to stream at once.
 */
final class StopStrings {
  /** What a piece of text released: {@code text} to send, and whether a stop string ended the answer. */
  record Result(String text, boolean stopped) {}

  private final List<String> stops;
  private final StringBuilder held = new StringBuilder();
  private boolean stopped;

  StopStrings(List<String> stops) {
    this.stops = List.copyOf(stops);
  }

  Result add(String piece) {
    if (stopped) {
      return new Result("", true);
    }
    if (stops.isEmpty()) {
      return new Result(piece, false);
    }
    held.append(piece);
    int first = -1;
    for (String s : stops) {
      int at = held.indexOf(s);
      if (at >= 0 && (first < 0 || at < first)) {
        first = at;
      }
    }
    if (first >= 0) {
      stopped = true;
      String text = held.substring(0, first);
      held.setLength(0);
      return new Result(text, true);
    }
    int keep = longestSuffixThatStartsAStop();
    String text = held.substring(0, held.length() - keep);
    held.delete(0, held.length() - keep);
    return new Result(text, false);
  }

  /** The held-back text at the end of the answer (it never became a stop string). */
  String finish() {
    String text = stopped ? "" : held.toString();
    held.setLength(0);
    return text;
  }

  private int longestSuffixThatStartsAStop() {
    String h = held.toString();
    int best = 0;
    for (String s : stops) {
      for (int k = Math.min(s.length() - 1, h.length()); k > best; k--) {
        if (h.regionMatches(h.length() - k, s, 0, k)) {
          best = k;
          break;
        }
      }
    }
    return best;
  }
}
