package io.llmforge.pipeline.tokenizer;

import java.util.Random;

/** Random strings that stress tokenizers: every script class, emoji ZWJ sequences, combining marks, odd spaces. */
final class RandomText {
  private static final String[] FRAGMENTS = {
      "the", " the", "The", "Hello", " world", "'s", "'S", "'ll", "'VE", "'re", "'d", "'m", "'t", "'x", "'", "don't",
      " ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", " \n ", "\u00A0", "\u3000", "\u2028", "\u2003", "\u0085", "\u000B",
      "0", "7", "42", "1234567", " 99", "\u0663\u0664", "\u216B", "\u00B2", "\uFF11\uFF12",
      "!", "?!", "...", " --", "(", ")", "\"", "#", "$", "\u00A7", "\u2014", "{}", "<|endoftext|>", "<|user|>",
      "中文", "字符", "漢字", "ひらがな", "カタカナ", "한국어", "Ελληνικά", "русский", "العربية", "עברית", "हिन्दी",
      "e\u0301", "a\u0308\u0323", "\u0301", "ﬁ", "Å",
      "\uD83D\uDE00", "\uD83D\uDC4D\uD83C\uDFFD", "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67",
      "\uD83C\uDDEB\uD83C\uDDF7", "\u2764\uFE0F", "\u200D", "\uD834\uDD1E", "\uD83E\uDD16",
  };

  private RandomText() {}

  static String next(Random random, int maxParts) {
    StringBuilder sb = new StringBuilder();
    int parts = 1 + random.nextInt(maxParts);
    for (int i = 0; i < parts; i++) {
      if (random.nextInt(8) == 0) {
        sb.appendCodePoint(randomCodePoint(random));
      } else {
        sb.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
      }
    }
    return sb.toString();
  }

  /** Any valid scalar value (no surrogate halves), weighted toward the BMP. */
  static int randomCodePoint(Random random) {
    while (true) {
      int cp = random.nextBoolean() ? random.nextInt(0x10000) : random.nextInt(0x110000);
      if (cp < 0xD800 || cp > 0xDFFF) {
        return cp;
      }
    }
  }
}
