package io.llmforge.pipeline.filter;

import java.util.BitSet;

/**
 * Character classes the filters share, with the semantics of the Python code they reproduce (datatrove's
 * {@code utils/text.py}, CPython's {@code str.isspace}/{@code str.isalpha}, spaCy's English punctuation rules).
 * All methods take code points, never UTF-16 units, so supplementary characters are classified correctly.
 */
final class TextChars {
  private TextChars() {}

  /**
   * datatrove {@code TERMINAL_PUNCTUATION} (utils/text.py at a649de79): sentence-final marks of many scripts.
   * FineWeb's "line ends with punctuation" rule uses exactly this set.
   */
  private static final int[] TERMINAL_PUNCTUATION = {
      0x21, 0x2E, 0x3F, 0x589, 0x61D, 0x61E, 0x61F, 0x6D4, 0x700, 0x701, 0x702, 0x7F9, 0x837, 0x839, 0x83D,
      0x83E, 0x964, 0x965, 0x104A, 0x104B, 0x1362, 0x1367, 0x1368, 0x166E, 0x1735, 0x1736, 0x17D4, 0x17D5,
      0x17D6, 0x17D9, 0x17DA, 0x1803, 0x1809, 0x1944, 0x1945, 0x1AA8, 0x1AA9, 0x1AAA, 0x1AAB, 0x1B5A, 0x1B5B,
      0x1B5E, 0x1B5F, 0x1B7D, 0x1B7E, 0x1C3B, 0x1C3C, 0x1C7E, 0x1C7F, 0x203C, 0x203D, 0x2047, 0x2048, 0x2049,
      0x2E2E, 0x2E3C, 0x2E53, 0x2E54, 0x3002, 0xA4FF, 0xA60E, 0xA60F, 0xA6F3, 0xA6F7, 0xA876, 0xA877, 0xA8CE,
      0xA8CF, 0xA92F, 0xA9C8, 0xA9C9, 0xAA5D, 0xAA5E, 0xAA5F, 0xAAF0, 0xAAF1, 0xABEB, 0xFE52, 0xFE56, 0xFE57,
      0xFF01, 0xFF0E, 0xFF1F, 0xFF61, 0x10A56, 0x10A57, 0x10F55, 0x10F56, 0x10F57, 0x10F58, 0x10F59, 0x10F86,
      0x10F87, 0x10F88, 0x10F89, 0x11047, 0x11048, 0x110BE, 0x110BF, 0x110C0, 0x110C1, 0x11141, 0x11142,
      0x11143, 0x111C5, 0x111C6, 0x111CD, 0x111DE, 0x111DF, 0x11238, 0x11239, 0x1123B, 0x1123C, 0x112A9,
      0x1144B, 0x1144C, 0x115C2, 0x115C3, 0x115C9, 0x115CA, 0x115CB, 0x115CC, 0x115CD, 0x115CE, 0x115CF,
      0x115D0, 0x115D1, 0x115D2, 0x115D3, 0x115D4, 0x115D5, 0x115D6, 0x115D7, 0x11641, 0x11642, 0x1173C,
      0x1173D, 0x1173E, 0x11944, 0x11946, 0x11A42, 0x11A43, 0x11A9B, 0x11A9C, 0x11C41, 0x11C42, 0x11EF7,
      0x11EF8, 0x11F43, 0x11F44, 0x16A6E, 0x16A6F, 0x16AF5, 0x16B37, 0x16B38, 0x16B44, 0x16E98, 0x1BC9F,
      0x1DA88};

  /**
   * The members of {@link #TERMINAL_PUNCTUATION} that spaCy's {@code Sentencizer.default_punct_chars} lacks; the
   * sentencizer (which datatrove's English sentence splitter is) ends sentences on the rest only.
   */
  private static final int[] NOT_SENTENCE_FINAL = {
      0x61D, 0x61E, 0x837, 0x839, 0x83D, 0x83E, 0x17D4, 0x17D5, 0x17D6, 0x17D9, 0x17DA, 0x1B7D, 0x1B7E, 0x2E53,
      0x2E54, 0x10F55, 0x10F56, 0x10F57, 0x10F58, 0x10F59, 0x10F86, 0x10F87, 0x10F88, 0x10F89, 0x11944,
      0x11946, 0x11EF7, 0x11EF8, 0x11F43, 0x11F44, 0x16E98};

  /**
   * datatrove {@code PUNCTUATION} (utils/text.py): ASCII punctuation, C0/C1 controls except tab and newline, and
   * common typographic and CJK marks. Note it contains U+FF11 (fullwidth digit one), as upstream does.
   */
  private static final int[] PUNCTUATION = {
      0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0xB, 0xC, 0xD, 0xE, 0xF, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
      0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
      0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x40, 0x5B, 0x5C,
      0x5D, 0x5E, 0x5F, 0x60, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
      0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
      0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xAB, 0xB4, 0xBB, 0x2013, 0x2014, 0x2019, 0x201C, 0x201D,
      0x201E, 0x2026, 0x2236, 0x2501, 0x25BA, 0x3001, 0x3002, 0x3008, 0x3009, 0x300A, 0x300B, 0x300C, 0x300D,
      0x3010, 0x3011, 0xFF01, 0xFF05, 0xFF08, 0xFF09, 0xFF0C, 0xFF0E, 0xFF11, 0xFF1A, 0xFF1B, 0xFF1F, 0xFF5E};

  /** spaCy {@code LIST_PUNCT} (lang/char_classes.py), single characters. */
  private static final String SPACY_PUNCT = "…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪";

  /** spaCy {@code LIST_QUOTES}, single characters (both 〈〉 pairs, U+3008/9 and U+2329/A). */
  private static final String SPACY_QUOTES = "'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉\u2329\u232A⟦⟧";

  /** spaCy {@code LIST_CURRENCY}, single-character symbols (US$, C$ and A$ are handled by the tokenizer). */
  private static final String SPACY_CURRENCY = "$£€¥฿₽﷼₴₠₡₢₣₤₥₦₧₨₩₪₫₭₮₯₰₱₲₳₵₶₷₸₹₺₻₼₾₿";

  private static final BitSet TERMINAL = bits(TERMINAL_PUNCTUATION);
  private static final BitSet SENTENCE_FINAL = sentenceFinal();
  private static final BitSet PUNCT_SET = union(bits(PUNCTUATION), TERMINAL);
  private static final BitSet SP_PUNCT = bits(SPACY_PUNCT);
  private static final BitSet SP_QUOTES = bits(SPACY_QUOTES);
  private static final BitSet SP_CURRENCY = bits(SPACY_CURRENCY);
  /** Characters after which spaCy splits a final "." (its suffix rule with the long look-behind class). */
  private static final BitSet DOT_SUFFIX_AFTER = union(union(bits("%²-+|(?:)"), SP_PUNCT), SP_QUOTES);

  private static BitSet bits(int[] cps) {
    BitSet b = new BitSet();
    for (int cp : cps) {
      b.set(cp);
    }
    return b;
  }

  private static BitSet bits(String chars) {
    return bits(chars.codePoints().toArray());
  }

  private static BitSet union(BitSet a, BitSet b) {
    BitSet u = (BitSet) a.clone();
    u.or(b);
    return u;
  }

  private static BitSet sentenceFinal() {
    BitSet s = (BitSet) TERMINAL.clone();
    for (int cp : NOT_SENTENCE_FINAL) {
      s.clear(cp);
    }
    return s;
  }

  /** CPython {@code str.isspace}: bidi class WS/B/S or category Zs (Java's isWhitespace misses four of them). */
  static boolean isSpace(int cp) {
    return Character.isWhitespace(cp) || cp == 0x85 || cp == 0xA0 || cp == 0x2007 || cp == 0x202F;
  }

  /** CPython {@code str.isalpha} for one code point: categories Lu, Ll, Lt, Lm, Lo. */
  static boolean isAlpha(int cp) {
    return Character.isLetter(cp);
  }

  /** Member of datatrove's {@code PUNCTUATION_SET} (PUNCTUATION plus TERMINAL_PUNCTUATION). */
  static boolean isPunctuation(int cp) {
    return cp >= 0 && PUNCT_SET.get(cp);
  }

  /** Member of datatrove's {@code TERMINAL_PUNCTUATION}. */
  static boolean isTerminalPunctuation(int cp) {
    return cp >= 0 && TERMINAL.get(cp);
  }

  /** A token made of exactly one of these characters ends a sentence (spaCy's Sentencizer). */
  static boolean isSentenceFinal(int cp) {
    return cp >= 0 && SENTENCE_FINAL.get(cp);
  }

  /** spaCy's {@code is_punct}: Unicode general category P*. */
  static boolean isUnicodePunctuation(int cp) {
    switch (Character.getType(cp)) {
      case Character.CONNECTOR_PUNCTUATION:
      case Character.DASH_PUNCTUATION:
      case Character.START_PUNCTUATION:
      case Character.END_PUNCTUATION:
      case Character.INITIAL_QUOTE_PUNCTUATION:
      case Character.FINAL_QUOTE_PUNCTUATION:
      case Character.OTHER_PUNCTUATION:
        return true;
      default:
        return false;
    }
  }

  /**
   * Scripts written without spaces between words: Han ideographs, hiragana and katakana. The word splitter makes
   * each such character a word of its own (the convention of BERT's basic tokenizer and of our {@code WordCount}).
   */
  static boolean isCjk(int cp) {
    if (cp < 0x2E80) {
      return false;
    }
    Character.UnicodeScript script = Character.UnicodeScript.of(cp);
    return script == Character.UnicodeScript.HAN || script == Character.UnicodeScript.HIRAGANA
        || script == Character.UnicodeScript.KATAKANA;
  }

  // ---- spaCy English tokenizer classes (lang/punctuation.py, lang/char_classes.py) ----

  static boolean isSpacyPunct(int cp) {
    return SP_PUNCT.get(cp);
  }

  static boolean isSpacyQuote(int cp) {
    return SP_QUOTES.get(cp);
  }

  static boolean isSpacyCurrency(int cp) {
    return SP_CURRENCY.get(cp);
  }

  /** spaCy {@code LIST_ICONS}: "other symbols" (So) such as emoji, dingbats and the degree sign. */
  static boolean isIcon(int cp) {
    return Character.getType(cp) == Character.OTHER_SYMBOL;
  }

  /** spaCy {@code ALPHA}, approximated by every Unicode letter. */
  static boolean isSpacyAlpha(int cp) {
    return Character.isLetter(cp);
  }

  private static boolean isUncasedLetter(int cp) {
    return Character.isLetter(cp) && !Character.isUpperCase(cp) && !Character.isLowerCase(cp)
        && !Character.isTitleCase(cp);
  }

  /** spaCy {@code ALPHA_LOWER}: lower-case letters plus letters of scripts without case. */
  static boolean isSpacyLower(int cp) {
    return Character.isLowerCase(cp) || isUncasedLetter(cp);
  }

  /** spaCy {@code ALPHA_UPPER}: upper-case letters plus letters of scripts without case. */
  static boolean isSpacyUpper(int cp) {
    return Character.isUpperCase(cp) || isUncasedLetter(cp);
  }

  static boolean isAsciiDigit(int cp) {
    return cp >= '0' && cp <= '9';
  }

  /** The look-behind class of spaCy's suffix rule {@code (?<=[0-9{al}{e}{p}(?:{q})])\.}. */
  static boolean splitsFinalDotAfter(int cp) {
    return isAsciiDigit(cp) || isSpacyLower(cp) || DOT_SUFFIX_AFTER.get(cp);
  }
}
