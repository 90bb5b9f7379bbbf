package io.llmforge.pipeline.filter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * English word splitting as datatrove does it. datatrove's {@code split_into_words(text, "en")} is spaCy's
 * blank-English rule tokenizer ({@code utils/word_tokenizers.py}, {@code SpaCyTokenizer("en")}), followed by
 * dropping whitespace tokens; this class reimplements that algorithm (spaCy 3, {@code tokenizer.pyx}):
 *
 * <ol>
 *   <li>split on whitespace (CPython {@code isspace});
 *   <li>for each chunk, repeatedly strip one prefix and one suffix (punctuation, quotes, currency, symbols,
 *       {@code 's}, units after digits, a final "." after a lower-case letter or digit...) until the rest is a
 *       special case or nothing more comes off;
 *   <li>the rest is one token if it is a special case (abbreviation, contraction, emoticon) or a URL; otherwise it
 *       is split on infixes (ellipses, hyphens and commas between letters, "." between a lower- and an upper-case
 *       letter, arithmetic signs between digits, {@code :<>=/} before a letter).
 * </ol>
 *
 * Like spaCy, consecutive pieces of one chunk that spell a special case are joined again ("Dr.Smith" gives "Dr."
 * and "Smith").
 *
 * <p>Differences from spaCy: its table of ~1,300 special cases is replaced by the common abbreviations, its
 * emoticons and tables of the contractions it splits (pronouns and auxiliaries, with and without apostrophe:
 * "don't", "dont", "you're"); letter classes use Unicode categories where spaCy lists ranges. On 650,000 words of
 * Wikipedia, C4, Dolma, news articles, Europarl and Shakespeare the output is token-for-token spaCy 3.8's apart
 * from the extension below. One deliberate extension: every Han, hiragana or katakana character becomes a word of
 * its own, because spaCy's English rules return a whole Chinese paragraph as one "word" (datatrove switches to
 * jieba or SudachiPy for those languages, which this project does not ship).
 *
 * <p>Linear in the text length: affixes are stripped by moving indices, never by copying.
 */
final class WordTokenizer {
  private WordTokenizer() {}

  /** Longest chunk that is looked up as a special case. */
  private static final int MAX_SPECIAL = 24;
  /** Longer chunks are not tried against the URL pattern (which backtracks). */
  private static final int MAX_URL = 2048;

  /** Abbreviations spaCy's English rules keep whole (spacy/lang/en/tokenizer_exceptions.py). */
  private static final Set<String> ABBREVIATIONS = Set.of(
      "a.m.", "p.m.", "e.g.", "E.g.", "E.G.", "i.e.", "I.e.", "I.E.", "vs.", "v.s.", "co.", "Co.", "Corp.",
      "Inc.", "Ltd.", "Bros.", "Adm.", "Dr.", "Gen.", "Gov.", "Jr.", "Messrs.", "Mr.", "Mrs.", "Ms.", "Mt.",
      "Ph.D.", "Prof.", "Rep.", "Rev.", "Sen.", "St.", "Jan.", "Feb.", "Mar.", "Apr.", "Jun.", "Jul.", "Aug.",
      "Sep.", "Sept.", "Oct.", "Nov.", "Dec.", "Ak.", "Ala.", "Ariz.", "Ark.", "Calif.", "Colo.", "Conn.",
      "D.C.", "Del.", "Fla.", "Ga.", "Ia.", "Id.", "Ill.", "Ind.", "Kan.", "Kans.", "Ky.", "La.", "Mass.", "Md.",
      "Mich.", "Minn.", "Miss.", "Mo.", "Mont.", "N.C.", "N.D.", "N.H.", "N.J.", "N.M.", "N.Y.", "Neb.", "Nebr.",
      "Nev.", "Okla.", "Ore.", "Pa.", "S.C.", "Tenn.", "Va.", "Wash.", "Wis.", "C++", "and/or", "w/o");

  /** Emoticons of spaCy's base exceptions: kept whole although made of punctuation. */
  private static final Set<String> EMOTICONS = Set.of(
      ":)", ":-)", ":))", ":-))", ":)))", ":-)))", "(:", "(-:", "=)", "(=", ":]", ":-]", "[:", "[-:", "[=", "=]",
      ":o)", "(o:", ":}", ":-}", "8)", "8-)", "(-8", ";)", ";-)", "(;", "(-;", ":(", ":-(", ":((", ":-((",
      ":(((", ":-(((", "):", ")-:", "=(", ">:(", ":')", ":'-)", ":'(", ":'-(", ":’)", ":’-)", ":’(", ":’-(",
      ":/", ":-/", "=/", "=|", ":|", ":-|", "]=", "=[", ":1", ":P", ":-P", ":p", ":-p", ":O", ":-O", ":o",
      ":-o", ":0", ":-0", ":()", ">:o", ":*", ":-*", ":3", ":-3", "=3", ":>", ":->", ":X", ":-X", ":x", ":-x",
      ":D", ":-D", ";D", ";-D", "=D", "xD", "XD", "xDD", "XDD", "8D", "8-D", "^_^", "^__^", "^___^", ">.<",
      ">.>", "<.<", "._.", ";_;", "-_-", "-__-", "v.v", "V.V", "v_v", "V_V", "o_o", "o_O", "O_o", "O_O",
      "0_o", "o_0", "0_0", "o.O", "O.o", "O.O", "o.o", "0.0", "o.0", "0.o", "@_@", "<3", "<33", "<333", "</3",
      "(^_^)", "(-_-)", "(._.)", "(>_<)", "(*_*)", "(¬_¬)", "ಠ_ಠ", "ಠ︵ಠ", "(ಠ_ಠ)", "¯\\(ツ)/¯", "><(((*>");

  /** Apostrophe words spaCy keeps whole; each also exists with ’ (U+2019) in place of '. */
  private static final Set<String> APOSTROPHE_WORDS = withCurlyApostrophes(
      "'", "''", "'s", "'S", "'d", "'ll", "'re", "'em", "'bout", "'cause", "'Cause", "'cos", "'Cos", "'coz",
      "'Coz", "'cuz", "'Cuz", "'nuff", "ma'am", "Ma'am", "o'clock", "O'clock", "doin'", "Doin'", "goin'",
      "Goin'", "havin'", "Havin'", "lovin'", "Lovin'", "nothin'", "Nothin'", "nuthin'", "Nuthin'", "somethin'",
      "Somethin'", "ol'", "Ol'", "‘s", "‘S");

  /** Words that spaCy splits before "n't" (do|n't, ca|n't, wo|n't...), also written without the apostrophe. */
  private static final Set<String> NEG_BASES = Set.of(
      "ai", "are", "ca", "could", "dare", "did", "do", "does", "had", "has", "have", "is", "may", "might", "must",
      "need", "ought", "sha", "should", "was", "were", "wo", "would");

  /** Pronouns and auxiliaries spaCy splits before 'll, 'd, 're, 've, 'm, 's (apostrophe forms). */
  private static final Map<String, Set<String>> CLITICS = Map.ofEntries(
      Map.entry("i", Set.of("ll", "d", "ve", "m")), Map.entry("you", Set.of("ll", "d", "re", "ve")),
      Map.entry("he", Set.of("ll", "d", "s")), Map.entry("she", Set.of("ll", "d", "s")),
      Map.entry("it", Set.of("ll", "d", "s")), Map.entry("that", Set.of("ll", "d", "s")),
      Map.entry("this", Set.of("ll", "d", "s")), Map.entry("we", Set.of("ll", "d", "re", "ve")),
      Map.entry("they", Set.of("ll", "d", "re", "ve")), Map.entry("these", Set.of("ll", "d", "re", "ve")),
      Map.entry("those", Set.of("ll", "d", "re", "ve")), Map.entry("there", Set.of("ll", "d", "re", "ve", "s")),
      Map.entry("what", Set.of("ll", "d", "re", "ve", "s")), Map.entry("who", Set.of("ll", "d", "re", "ve", "s")),
      Map.entry("where", Set.of("ll", "d", "re", "ve", "s")), Map.entry("when", Set.of("ll", "d", "re", "ve", "s")),
      Map.entry("why", Set.of("ll", "d", "re", "ve", "s")), Map.entry("how", Set.of("ll", "d", "re", "ve", "s")),
      Map.entry("could", Set.of("ve")), Map.entry("should", Set.of("ve")), Map.entry("would", Set.of("ve")),
      Map.entry("might", Set.of("ve")), Map.entry("must", Set.of("ve")), Map.entry("not", Set.of("ve")));

  /**
   * The same contractions written without apostrophe that spaCy still splits ("dont", "youre"); forms that are
   * ordinary words ("ill", "well", "were", "its", "shell") are absent, as in spaCy.
   */
  private static final Map<String, Set<String>> BARE_CLITICS = Map.ofEntries(
      Map.entry("i", Set.of("d", "m", "ve")), Map.entry("you", Set.of("d", "ll", "re", "ve")),
      Map.entry("he", Set.of("d", "s")), Map.entry("she", Set.of("s")), Map.entry("it", Set.of("d", "ll")),
      Map.entry("that", Set.of("d", "ll", "s")), Map.entry("this", Set.of("d", "ll", "s")),
      Map.entry("we", Set.of("d", "ve")), Map.entry("they", Set.of("d", "ll", "re", "ve")),
      Map.entry("these", Set.of("d", "ll", "re", "ve")), Map.entry("those", Set.of("d", "ll", "re", "ve")),
      Map.entry("there", Set.of("d", "ll", "re", "s", "ve")), Map.entry("what", Set.of("d", "ll", "re", "s", "ve")),
      Map.entry("who", Set.of("d", "ll", "s", "ve")), Map.entry("where", Set.of("d", "ll", "re", "s", "ve")),
      Map.entry("when", Set.of("d", "ll", "re", "s", "ve")), Map.entry("why", Set.of("d", "ll", "re", "s", "ve")),
      Map.entry("how", Set.of("d", "ll", "re", "s", "ve")), Map.entry("could", Set.of("ve")),
      Map.entry("should", Set.of("ve")), Map.entry("would", Set.of("ve")), Map.entry("might", Set.of("ve")),
      Map.entry("must", Set.of("ve")), Map.entry("not", Set.of("ve")));

  /** Other splits of spaCy's table: cannot, gonna, gotta, ima, yall, c'mon. */
  private static final Map<String, Integer> OTHER_SPLITS =
      Map.of("cannot", 3, "gonna", 3, "gotta", 3, "ima", 1, "yall", 1, "c'mon", 3, "c’mon", 3);

  private static final Map<String, Integer> CONTRACTIONS = contractions();
  private static final int MAX_CONTRACTION =
      CONTRACTIONS.keySet().stream().mapToInt(String::length).max().orElse(0);

  /** Measurement units split off a preceding digit (spaCy {@code UNITS}), longest first. */
  private static final String[] UNITS = sortedLongestFirst(
      "km", "km²", "km³", "m", "m²", "m³", "dm", "dm²", "dm³", "cm", "cm²", "cm³", "mm", "mm²", "mm³", "ha", "µm",
      "nm", "yd", "in", "ft", "kg", "g", "mg", "µg", "t", "lb", "oz", "m/s", "km/h", "kmh", "mph", "hPa", "Pa",
      "mbar", "mb", "MB", "kb", "KB", "gb", "GB", "tb", "TB", "T", "G", "M", "K", "%", "км", "км²", "км³", "м",
      "м²", "м³", "дм", "дм²", "дм³", "см", "см²", "см³", "мм", "мм²", "мм³", "нм", "кг", "г", "мг", "м/с",
      "км/ч", "кПа", "Па", "мбар", "Кб", "КБ", "кб", "Мб", "МБ", "мб", "Гб", "ГБ", "гб", "Тб", "ТБ");

  private static final int MAX_UNIT = UNITS[0].length();

  private static final String[] MULTI_CURRENCY = {"US$", "C$", "A$"};

  /** {@code 10am}, {@code 3p.m.}: spaCy splits the number from the time marker. */
  private static final Pattern CLOCK = Pattern.compile("(1[0-2]|[1-9])(a\\.m\\.|p\\.m\\.|am|pm)");

  /**
   * spaCy's {@code URL_MATCH} (lang/tokenizer_exceptions.py, after Diego Perini's URL regex): such a token is
   * never split on infixes.
   */
  private static final Pattern URL = Pattern.compile(
      "(?s)(?:[\\p{L}\\p{N}_+\\-.]{2,}://)?(?:.+@)?"
          + "(?:(?!(?:10|127)(?:\\.\\p{Nd}{1,3}){3})(?!(?:169\\.254|192\\.168)(?:\\.\\p{Nd}{1,3}){2})"
          + "(?!172\\.(?:1[6-9]|2\\p{Nd}|3[0-1])(?:\\.\\p{Nd}{1,3}){2})"
          + "(?:[1-9]\\p{Nd}?|1\\p{Nd}\\p{Nd}|2[01]\\p{Nd}|22[0-3])(?:\\.(?:1?\\p{Nd}{1,2}|2[0-4]\\p{Nd}|25[0-5])){2}"
          + "(?:\\.(?:[1-9]\\p{Nd}?|1\\p{Nd}\\p{Nd}|2[0-4]\\p{Nd}|25[0-4]))"
          + "|(?:(?:[A-Za-z0-9\\u00a1-\\uffff][A-Za-z0-9\\u00a1-\\uffff_-]{0,62})?[A-Za-z0-9\\u00a1-\\uffff]\\.)+"
          + "(?:[\\p{Ll}\\p{Lo}]{2,63}))"
          + "(?::\\p{Nd}{2,5})?(?:[/?#].*)?");

  private static String[] sortedLongestFirst(String... units) {
    return java.util.Arrays.stream(units).sorted((a, b) -> b.length() - a.length()).toArray(String[]::new);
  }

  /** The words of {@code text}, in order, none empty and none containing whitespace. */
  static List<String> tokenize(String text) {
    List<String> out = new ArrayList<>(Math.max(16, text.length() / 5));
    int n = text.length();
    int i = 0;
    while (i < n) {
      int cp = text.codePointAt(i);
      if (TextChars.isSpace(cp)) {
        i += Character.charCount(cp);
        continue;
      }
      int start = i;
      while (i < n) {
        cp = text.codePointAt(i);
        if (TextChars.isSpace(cp)) {
          break;
        }
        i += Character.charCount(cp);
      }
      tokenizeChunk(text, start, i, out);
    }
    return out;
  }

  private static void tokenizeChunk(String text, int s, int e, List<String> out) {
    List<String> whole = special(text, s, e);
    if (whole != null) {
      emitAll(whole, out);
      return;
    }
    List<String> prefixes = new ArrayList<>(2);
    List<String> suffixes = new ArrayList<>(2);
    int lastSize = -1;
    boolean first = true;
    while (s < e && e - s != lastSize) {
      if (!first && special(text, s, e) != null) {
        break;
      }
      first = false;
      lastSize = e - s;
      int pre = prefixLength(text, s, e);
      if (pre > 0 && s + pre < e && special(text, s + pre, e) != null) {
        prefixes.add(text.substring(s, s + pre));
        s += pre;
        break;
      }
      int suf = suffixLength(text, s + pre, e);
      if (suf > 0 && e - suf > s && special(text, s, e - suf) != null) {
        suffixes.add(text.substring(e - suf, e));
        e -= suf;
        break;
      }
      if (pre > 0 && suf > 0 && pre + suf <= e - s) {
        prefixes.add(text.substring(s, s + pre));
        suffixes.add(text.substring(e - suf, e));
        s += pre;
        e -= suf;
      } else if (pre > 0) {
        prefixes.add(text.substring(s, s + pre));
        s += pre;
      } else if (suf > 0) {
        suffixes.add(text.substring(e - suf, e));
        e -= suf;
      }
    }
    List<String> tokens = prefixes;
    if (s < e) {
      List<String> sp = special(text, s, e);
      if (sp != null) {
        tokens.addAll(sp);
      } else if (e - s <= MAX_URL && containsDot(text, s, e) && URL.matcher(text).region(s, e).matches()) {
        tokens.add(text.substring(s, e));
      } else {
        splitInfixes(text, s, e, tokens);
      }
    }
    for (int k = suffixes.size() - 1; k >= 0; k--) {
      tokens.add(suffixes.get(k));
    }
    if (tokens.size() > 1) {
      tokens = mergeSpecialSpans(tokens);
    }
    emitAll(tokens, out);
  }

  /** A URL needs a dot (host name or IPv4); checking first spares the regex for ordinary words. */
  private static boolean containsDot(String text, int s, int e) {
    for (int i = s; i < e; i++) {
      if (text.charAt(i) == '.') {
        return true;
      }
    }
    return false;
  }

  /**
   * spaCy re-joins consecutive tokens of one chunk that spell a special case its affix rules had split
   * ({@code Dr.Smith} gives "Dr." "Smith", {@code word):} gives "word" "):"), longest first.
   */
  private static List<String> mergeSpecialSpans(List<String> tokens) {
    List<String> merged = null;
    int i = 0;
    while (i < tokens.size()) {
      List<String> replacement = null;
      int span = 0;
      for (int k = Math.min(4, tokens.size() - i); k >= 2 && replacement == null; k--) {
        int len = 0;
        for (int j = i; j < i + k; j++) {
          len += tokens.get(j).length();
        }
        if (len > MAX_SPECIAL) {
          continue;
        }
        replacement = special(String.join("", tokens.subList(i, i + k)));
        span = k;
      }
      if (replacement != null) {
        if (merged == null) {
          merged = new ArrayList<>(tokens.subList(0, i));
        }
        merged.addAll(replacement);
        i += span;
      } else {
        if (merged != null) {
          merged.add(tokens.get(i));
        }
        i++;
      }
    }
    return merged == null ? tokens : merged;
  }

  // ---- special cases ----

  private static List<String> special(String text, int s, int e) {
    if (e - s > MAX_SPECIAL) {
      return null;
    }
    return special(text.substring(s, e));
  }

  /** The tokens a special case expands to, or null when {@code w} is not one. */
  static List<String> special(String w) {
    if (ABBREVIATIONS.contains(w) || EMOTICONS.contains(w) || APOSTROPHE_WORDS.contains(w)) {
      return List.of(w);
    }
    int len = w.length();
    if (len == 2 && w.charAt(1) == '.' && isSingleLetterAbbreviation(w.charAt(0))) {
      return List.of(w);
    }
    if (len >= 3 && w.charAt(0) >= '1' && w.charAt(0) <= '9') {
      var clock = CLOCK.matcher(w);
      return clock.matches() ? List.of(clock.group(1), clock.group(2)) : null;
    }
    if (len < 2 || len > MAX_CONTRACTION) {
      return null;
    }
    Integer cut = CONTRACTIONS.get(w.toLowerCase(Locale.ROOT));
    return cut != null && isLowerOrCapitalized(w) ? split(w, cut) : null;
  }

  /**
   * Every contraction spaCy splits, lower-cased, to the index of the split: "don't" and "dont" to 2,
   * "you're" and "youre" to 3.
   */
  private static Map<String, Integer> contractions() {
    Map<String, Integer> all = new java.util.HashMap<>();
    for (String base : NEG_BASES) {
      all.put(base + "n't", base.length());
      all.put(base + "n’t", base.length());
      all.put(base + "nt", base.length());
    }
    CLITICS.forEach((base, clitics) -> {
      for (String clitic : clitics) {
        all.put(base + "'" + clitic, base.length());
        all.put(base + "’" + clitic, base.length());
      }
    });
    BARE_CLITICS.forEach((base, clitics) -> {
      for (String clitic : clitics) {
        all.put(base + clitic, base.length());
      }
    });
    all.putAll(OTHER_SPLITS);
    return Map.copyOf(all);
  }

  private static List<String> split(String w, int at) {
    return List.of(w.substring(0, at), w.substring(at));
  }

  private static Set<String> withCurlyApostrophes(String... words) {
    Set<String> all = new java.util.HashSet<>();
    for (String word : words) {
      all.add(word);
      all.add(word.replace('\'', '’'));
    }
    return Set.copyOf(all);
  }

  private static boolean isSingleLetterAbbreviation(char c) {
    return (c >= 'a' && c <= 'z') || c == 'ä' || c == 'ö' || c == 'ü';
  }

  /** spaCy lists contractions in lower case and capitalised ("Don't"), not in capitals ("DON'T"). */
  private static boolean isLowerOrCapitalized(String w) {
    for (int i = 1; i < w.length(); i++) {
      if (Character.isUpperCase(w.charAt(i))) {
        return false;
      }
    }
    return !w.isEmpty();
  }

  // ---- prefixes and suffixes ----

  /** spaCy {@code TOKENIZER_PREFIXES}: the length of the prefix at {@code s}, or 0. */
  private static int prefixLength(String text, int s, int e) {
    int cp = text.codePointAt(s);
    int len = Character.charCount(cp);
    if (cp == '.') {
      int j = s;
      while (j < e && text.charAt(j) == '.') {
        j++;
      }
      return j - s >= 2 ? j - s : 0;
    }
    for (String cur : MULTI_CURRENCY) {
      if (text.startsWith(cur, s) && s + cur.length() <= e) {
        return cur.length();
      }
    }
    if (cp == '+') {
      return s + 1 < e && TextChars.isAsciiDigit(text.charAt(s + 1)) ? 0 : 1;
    }
    if (cp == '§' || cp == '%' || cp == '=' || cp == '—' || cp == '–' || TextChars.isSpacyPunct(cp)
        || TextChars.isSpacyQuote(cp) || TextChars.isSpacyCurrency(cp) || TextChars.isIcon(cp)) {
      return len;
    }
    return 0;
  }

  /**
   * spaCy {@code TOKENIZER_SUFFIXES}: the length of the longest suffix of {@code text[lo, e)} (a regex search picks
   * the left-most, hence longest, of the alternatives anchored at the end). Look-behinds cannot see before
   * {@code lo}, as in spaCy, which searches the string with its prefix already cut off.
   */
  private static int suffixLength(String text, int lo, int e) {
    if (lo >= e) {
      return 0;
    }
    int best = 0;
    int last = text.codePointBefore(e);
    int lastLen = Character.charCount(last);
    int beforeLast = e - lastLen > lo ? text.codePointBefore(e - lastLen) : -1;
    if (last == '.') {
      int j = e;
      while (j > lo && text.charAt(j - 1) == '.') {
        j--;
      }
      if (e - j >= 2) {
        best = e - j;
      } else if (beforeLast >= 0 && (TextChars.splitsFinalDotAfter(beforeLast) || twoUpperBefore(text, lo, e - 1)
          || degreeUnitBefore(text, lo, e - 1))) {
        best = 1;
      }
    } else if (TextChars.isSpacyPunct(last) || TextChars.isSpacyQuote(last) || TextChars.isIcon(last)
        || last == '—' || last == '–') {
      best = lastLen;
      if (last == '…' && beforeLast == '…') {
        best = 2;
      }
    } else if (last == '+' && beforeLast >= 0 && TextChars.isAsciiDigit(beforeLast)) {
      best = 1;
    }
    if (e - lo >= 2 && (last == 's' || last == 'S')) {
      char apo = text.charAt(e - 2);
      if (apo == '\'' || apo == '’') {
        best = Math.max(best, 2);
      }
    }
    // currency or unit right after a digit
    if (!hasDigit(text, Math.max(lo, e - MAX_UNIT - 1), e - 1)) {
      return best;
    }
    for (String cur : MULTI_CURRENCY) {
      best = Math.max(best, afterDigit(text, lo, e, cur));
    }
    if (TextChars.isSpacyCurrency(last)) {
      best = Math.max(best, afterDigit(text, lo, e, new String(Character.toChars(last))));
    }
    for (String unit : UNITS) {
      if (unit.length() <= best) {
        break;
      }
      int len = afterDigit(text, lo, e, unit);
      if (len > 0) {
        best = len;
        break;
      }
    }
    return best;
  }

  private static boolean hasDigit(String text, int from, int to) {
    for (int i = from; i < to; i++) {
      if (TextChars.isAsciiDigit(text.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private static int afterDigit(String text, int lo, int e, String piece) {
    int start = e - piece.length();
    if (start - 1 >= lo && text.startsWith(piece, start) && TextChars.isAsciiDigit(text.charAt(start - 1))) {
      return piece.length();
    }
    return 0;
  }

  /** {@code (?<=[{au}][{au}])\.}: the two characters before {@code dot} are upper-case (or uncased) letters. */
  private static boolean twoUpperBefore(String text, int lo, int dot) {
    if (dot - 1 < lo) {
      return false;
    }
    int a = text.codePointBefore(dot);
    int aStart = dot - Character.charCount(a);
    if (aStart - 1 < lo) {
      return false;
    }
    int b = text.codePointBefore(aStart);
    return TextChars.isSpacyUpper(a) && TextChars.isSpacyUpper(b);
  }

  /** {@code (?<=°[FfCcKk])\.}. */
  private static boolean degreeUnitBefore(String text, int lo, int dot) {
    return dot - 2 >= lo && text.charAt(dot - 2) == '°' && "FfCcKk".indexOf(text.charAt(dot - 1)) >= 0;
  }

  // ---- infixes ----

  /**
   * spaCy {@code TOKENIZER_INFIXES}, scanned left to right without overlap; like spaCy, an infix at the very start
   * is not split off.
   */
  private static void splitInfixes(String text, int s, int e, List<String> out) {
    int start = s;
    int i = s;
    while (i < e) {
      int end = infixAt(text, s, e, i);
      if (end < 0) {
        i += Character.charCount(text.codePointAt(i));
        continue;
      }
      if (i != s) {
        if (i != start) {
          out.add(text.substring(start, i));
        }
        out.add(text.substring(i, end));
        start = end;
      }
      i = end;
    }
    if (start < e) {
      out.add(text.substring(start, e));
    }
  }

  /** End of the infix that starts at {@code i}, or -1. Look-arounds stay within {@code [s, e)}. */
  private static int infixAt(String text, int s, int e, int i) {
    int cp = text.codePointAt(i);
    int next = i + Character.charCount(cp);
    int after = next < e ? text.codePointAt(next) : -1;
    int before = i > s ? text.codePointBefore(i) : -1;
    if (cp == '.' && after == '.') {
      int j = next;
      while (j < e && text.charAt(j) == '.') {
        j++;
      }
      return j;
    }
    if (cp == '…' || TextChars.isIcon(cp)) {
      return next;
    }
    if (before < 0 || after < 0) {
      return -1;
    }
    if ((cp == '+' || cp == '-' || cp == '*' || cp == '^') && TextChars.isAsciiDigit(before)
        && (TextChars.isAsciiDigit(after) || after == '-')) {
      return next;
    }
    if (cp == '.' && (TextChars.isSpacyLower(before) || TextChars.isSpacyQuote(before))
        && (TextChars.isSpacyUpper(after) || TextChars.isSpacyQuote(after))) {
      return next;
    }
    if (cp == ',' && TextChars.isSpacyAlpha(before) && TextChars.isSpacyAlpha(after)) {
      return next;
    }
    if (TextChars.isSpacyAlpha(before) || TextChars.isAsciiDigit(before)) {
      int hyphenEnd = hyphenAt(text, i, e);
      if (hyphenEnd > 0) {
        return hyphenEnd;
      }
    }
    if ((cp == ':' || cp == '<' || cp == '>' || cp == '=' || cp == '/')
        && (TextChars.isSpacyAlpha(before) || TextChars.isAsciiDigit(before)) && TextChars.isSpacyAlpha(after)) {
      return next;
    }
    return -1;
  }

  /** {@code (?:-|–|—|--|---|——|~)(?=[{a}])}, alternatives tried in spaCy's order. */
  private static int hyphenAt(String text, int i, int e) {
    for (String h : new String[] {"-", "–", "—", "--", "---", "——", "~"}) {
      int end = i + h.length();
      if (end < e && text.startsWith(h, i) && TextChars.isSpacyAlpha(text.codePointAt(end))) {
        return end;
      }
    }
    return -1;
  }

  // ---- output ----

  private static void emitAll(List<String> tokens, List<String> out) {
    for (String t : tokens) {
      emit(t, out);
    }
  }

  /** Adds a token, cutting Han/kana characters out as words of their own. */
  private static void emit(String token, List<String> out) {
    int runStart = 0;
    boolean hasCjk = false;
    for (int i = 0; i < token.length(); ) {
      int cp = token.codePointAt(i);
      int next = i + Character.charCount(cp);
      if (TextChars.isCjk(cp)) {
        if (i > runStart) {
          out.add(token.substring(runStart, i));
        }
        out.add(token.substring(i, next));
        runStart = next;
        hasCjk = true;
      }
      i = next;
    }
    if (!hasCjk) {
      out.add(token);
    } else if (runStart < token.length()) {
      out.add(token.substring(runStart));
    }
  }
}
