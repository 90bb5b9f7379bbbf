package io.llmforge.pipeline.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into pre-tokens before BPE, so merges never cross a word, number or whitespace boundary. Two
 * patterns, both exactly as Hugging Face and tiktoken apply them:
 * <ul>
 *   <li>{@link Kind#GPT4}: cl100k_base's pattern (digits in groups of at most three, a leading punctuation mark
 *   or space kept with the word after it, line breaks split off). The default; scanned by hand, see below.</li>
 *   <li>{@link Kind#GPT2}: GPT-2's original pattern, run through {@code java.util.regex}.</li>
 * </ul>
 * Both regexes use Unicode classes: {@code \s} is White_Space (as in Rust's regex and Oniguruma, not Java's
 * ASCII-only default), {@code \p{L}} letters, {@code \p{N}} numbers. Both patterns are also implemented as
 * hand-written scanners (faster than the backtracking regex); a property test holds each equal to its regex.
 */
public final class PreTokenizer {
  /** Receives one pre-token as a {@code [start, end)} range of the text. */
  @FunctionalInterface
  public interface Sink {
    void piece(int start, int end);
  }

  /** The pattern family, written into tokenizer.json as its Hugging Face regex. */
  public enum Kind {
    GPT4("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
        + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    GPT2("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    /** The regex as Hugging Face's {@code Split} pre-tokenizer and tiktoken spell it. */
    public final String huggingFacePattern;

    Kind(String huggingFacePattern) {
      this.huggingFacePattern = huggingFacePattern;
    }

    /** The kind whose Hugging Face pattern is {@code pattern}, or null. */
    public static Kind ofPattern(String pattern) {
      for (Kind k : values()) {
        if (k.huggingFacePattern.equals(pattern)) {
          return k;
        }
      }
      return null;
    }
  }

  private static final int OTHER = 0;
  private static final int LETTER = 1;
  private static final int NUMBER = 2;
  private static final int SPACE = 3;
  private static final byte[] ASCII = new byte[128];

  static {
    for (int c = 0; c < 128; c++) {
      ASCII[c] = (byte) classify(c);
    }
  }

  private final Kind kind;
  private final Pattern regex;

  public PreTokenizer(Kind kind) {
    this.kind = kind;
    this.regex = Pattern.compile(javaPattern(kind.huggingFacePattern));
  }

  public Kind kind() {
    return kind;
  }

  /** Splits {@code text} into consecutive pre-tokens that together cover all of it. */
  public void split(String text, Sink sink) {
    if (kind == Kind.GPT4) {
      scanGpt4(text, sink);
    } else {
      scanGpt2(text, sink);
    }
  }

  public List<String> split(String text) {
    List<String> out = new ArrayList<>();
    split(text, (s, e) -> out.add(text.substring(s, e)));
    return out;
  }

  /** The reference implementation: the pattern through {@code java.util.regex}. */
  public void splitWithRegex(String text, Sink sink) {
    Matcher m = regex.matcher(text);
    int covered = 0;
    while (m.find()) {
      if (m.start() > covered) { // cannot happen with these patterns; kept so no byte is ever lost
        sink.piece(covered, m.start());
      }
      sink.piece(m.start(), m.end());
      covered = m.end();
    }
    if (covered < text.length()) {
      sink.piece(covered, text.length());
    }
  }

  /** Java spelling of a Hugging Face regex: {@code \s}/{@code \S} as Unicode White_Space. */
  static String javaPattern(String hf) {
    return hf.replace("\\s", "\\p{IsWhite_Space}").replace("\\S", "\\P{IsWhite_Space}");
  }

  /**
   * cl100k's regex by hand. At each position the first alternative that matches wins, as in the regex:
   * a contraction; an optional non-letter/number/newline then letters; one to three numbers; an optional space,
   * a run of symbols and any line breaks after it; whitespace up to its last line break; whitespace but its last
   * character when a non-space follows; whitespace.
   */
  private static void scanGpt4(String s, Sink sink) {
    int n = s.length();
    int i = 0;
    while (i < n) {
      int cp = s.codePointAt(i);
      int next = i + Character.charCount(cp);
      int c = cls(cp);
      int end;
      int contraction;
      if (cp == '\'' && (contraction = contraction(s, next)) > 0) {
        end = next + contraction;
      } else if (c == LETTER) {
        end = letters(s, next);
      } else if (c != NUMBER && cp != '\r' && cp != '\n' && next < n && cls(s.codePointAt(next)) == LETTER) {
        end = letters(s, next);
      } else if (c == NUMBER) {
        end = next;
        for (int k = 0; k < 2 && end < n; k++) {
          int d = s.codePointAt(end);
          if (cls(d) != NUMBER) {
            break;
          }
          end += Character.charCount(d);
        }
      } else {
        int j = cp == ' ' ? next : i;
        if (j < n && cls(s.codePointAt(j)) == OTHER) {
          end = j;
          while (end < n) {
            int d = s.codePointAt(end);
            if (cls(d) != OTHER) {
              break;
            }
            end += Character.charCount(d);
          }
          while (end < n && (s.charAt(end) == '\r' || s.charAt(end) == '\n')) {
            end++;
          }
        } else {
          end = whitespace(s, i);
        }
      }
      sink.piece(i, end);
      i = end;
    }
  }

  /**
   * GPT-2's regex by hand: a case-sensitive contraction; an optional space then letters, numbers or symbols;
   * whitespace but its last character when a non-space follows; whitespace.
   */
  private static void scanGpt2(String s, Sink sink) {
    int n = s.length();
    int i = 0;
    while (i < n) {
      int cp = s.codePointAt(i);
      int next = i + Character.charCount(cp);
      int end;
      int contraction;
      if (cp == '\'' && (contraction = contractionCaseSensitive(s, next)) > 0) {
        end = next + contraction;
      } else {
        int start = cp == ' ' && next < n ? next : i;
        int c = cls(s.codePointAt(start));
        if (c != SPACE) {
          end = start;
          while (end < n) {
            int d = s.codePointAt(end);
            if (cls(d) != c) {
              break;
            }
            end += Character.charCount(d);
          }
        } else {
          end = whitespaceNoBreakRule(s, i);
        }
      }
      sink.piece(i, end);
      i = end;
    }
  }

  private static int whitespaceNoBreakRule(String s, int i) {
    int n = s.length();
    int runEnd = i;
    while (runEnd < n && cls(s.charAt(runEnd)) == SPACE) {
      runEnd++;
    }
    return runEnd == n || runEnd - i == 1 ? runEnd : runEnd - 1;
  }

  private static int contractionCaseSensitive(String s, int at) {
    if (at >= s.length()) {
      return 0;
    }
    char a = s.charAt(at);
    if (a == 's' || a == 't' || a == 'm' || a == 'd') {
      return 1;
    }
    if (at + 1 >= s.length()) {
      return 0;
    }
    char b = s.charAt(at + 1);
    return (a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l') ? 2 : 0;
  }

  /** The end of the whitespace pre-token that starts at {@code i} (a whitespace character). */
  private static int whitespace(String s, int i) {
    int n = s.length();
    int runEnd = i;
    int lastBreak = -1;
    while (runEnd < n) {
      char d = s.charAt(runEnd); // every White_Space character is in the BMP
      if (cls(d) != SPACE) {
        break;
      }
      if (d == '\r' || d == '\n') {
        lastBreak = runEnd;
      }
      runEnd++;
    }
    if (lastBreak >= 0) {
      return lastBreak + 1;
    }
    if (runEnd == n || runEnd - i == 1) {
      return runEnd;
    }
    return runEnd - 1; // leave the last space to the word after it
  }

  private static int contraction(String s, int at) {
    if (at >= s.length()) {
      return 0;
    }
    char a = Character.toLowerCase(ascii(s.charAt(at)));
    if (a == 's' || a == 't' || a == 'm' || a == 'd') {
      return 1;
    }
    if (at + 1 >= s.length()) {
      return 0;
    }
    char b = Character.toLowerCase(ascii(s.charAt(at + 1)));
    return (a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l') ? 2 : 0;
  }

  private static char ascii(char c) {
    return c < 128 ? c : 0; // (?i) in Java's regex is ASCII-only; match it exactly
  }

  private static int letters(String s, int from) {
    int n = s.length();
    int end = from;
    while (end < n) {
      int d = s.codePointAt(end);
      if (cls(d) != LETTER) {
        break;
      }
      end += Character.charCount(d);
    }
    return end;
  }

  private static int cls(int cp) {
    return cp < 128 ? ASCII[cp] : classify(cp);
  }

  /** \p{L}, \p{N}, White_Space (java.util.regex's definition) or anything else. */
  private static int classify(int cp) {
    int type = Character.getType(cp);
    switch (type) {
      case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
          Character.MODIFIER_LETTER, Character.OTHER_LETTER:
        return LETTER;
      case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER:
        return NUMBER;
      case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR:
        return SPACE;
      default:
        return (cp >= 0x9 && cp <= 0xD) || cp == 0x85 ? SPACE : OTHER;
    }
  }
}
