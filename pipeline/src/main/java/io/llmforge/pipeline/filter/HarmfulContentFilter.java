package io.llmforge.pipeline.filter;

import io.llmforge.pipeline.document.Document;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Removes adult and otherwise harmful pages by their URL and their words, combining the two published approaches:
 *
 * <ol>
 *   <li><b>domain blocklist</b> (UT1 {@code domains} files, as used by FineWeb and RefinedWeb): the URL's host or
 *       any parent domain is listed;
 *   <li><b>URL blocklist</b> (UT1 {@code urls} files): the URL, or a path it is below, is listed
 *       ({@link UrlBlocklist});
 *   <li><b>banned URL words</b>, as datatrove's {@code URLFilter} (src/datatrove/pipeline/filters/url_filter.py,
 *       commit a649de79), which FineWeb used: the URL is split into words at every run of characters other than
 *       ASCII letters and digits; one banned word is enough, or at least {@code softBannedUrlThreshold} (datatrove's
 *       {@code soft_word_threshold}, default 2) different soft-banned words; a banned sub-word anywhere in the URL
 *       with everything but letters and digits removed is enough ("www.Free-PornHub.net" contains "pornhub");
 *   <li><b>text word list</b>, as C4's bad-words rule (Raffel et al. 2020, section 2.2; datatrove
 *       {@code C4BadWordsFilter}): any listed word or phrase in the text as a whole word, in any case
 *       ({@link PhraseMatcher}).
 * </ol>
 *
 * Checks run in that order and the first hit is the reason; all six signals are always computed. Lists are read
 * once by {@link #load} through an {@link Opener} (local files, HDFS, S3: whatever the caller opens), plain or gzip,
 * one entry per line or a JSON array ({@link WordListFile}); the loaded filter is immutable, thread-safe and
 * serializable. Domain and URL lists are held as 64-bit fingerprints ({@link FingerprintSet}) so that the
 * multi-million-entry UT1 adult list stays small on every executor.
 *
 * <p>With {@code builtInDefaults}, a small list of our own (resources {@code builtin-*.txt} next to this class)
 * is added to the configured files, so the filter works with no external file; production configurations point
 * at the UT1 lists, FineWeb's word lists and LDNOOBW.
 *
 * <p>Differences from datatrove's URLFilter: upstream checks only the registered domain and the full host against
 * the domain list; here every parent domain is checked too. Upstream compares the raw URL, scheme included, with
 * the URL list (so UT1's scheme-less entries never match); here both are normalised (no scheme, no "www.", case
 * folded) and an entry also blocks the paths below it. Upstream splits the URL into words without lower-casing it,
 * so "PORN" escaped the lowercase lists; here URL words are lower-cased.
 */
public final class HarmfulContentFilter implements DocumentFilter {
  private static final long serialVersionUID = 1L;

  /** Filter name and signal prefix. */
  public static final String NAME = "harmful";

  /** datatrove's URL normaliser: everything but ASCII letters and digits separates words. */
  private static final Pattern NON_ALNUM = Pattern.compile("[^a-zA-Z0-9]+");

  private static final String BUILTIN_DOMAINS = "builtin-domains.txt";
  private static final String BUILTIN_BANNED_WORDS = "builtin-url-banned-words.txt";
  private static final String BUILTIN_BANNED_SUBWORDS = "builtin-url-banned-subwords.txt";
  private static final String BUILTIN_SOFT_WORDS = "builtin-url-soft-banned-words.txt";
  private static final String BUILTIN_TEXT_PHRASES = "builtin-text-phrases.txt";

  /**
   * Opens a list file by the path given in {@link Settings}: a local path, an HDFS or S3 URI, whatever the caller
   * supports. A {@code Function}, so any existing opener converts with {@code fn::apply}.
   */
  @FunctionalInterface
  public interface Opener extends Function<String, InputStream> {

    /** Opens paths on the local file system. */
    static Opener localFiles() {
      return path -> {
        try {
          return Files.newInputStream(Path.of(path));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot open " + path, e);
        }
      };
    }
  }

  /**
   * Which lists to load.
   *
   * @param domainFiles             UT1-style domain lists (e.g. {@code adult/domains})
   * @param urlFiles                UT1-style URL lists (e.g. {@code adult/urls})
   * @param bannedUrlWordFiles      URL words that block alone (FineWeb: datatrove {@code banned_words.txt})
   * @param bannedUrlSubwordFiles   URL sub-words (FineWeb: {@code banned_subwords.txt})
   * @param softBannedUrlWordFiles  URL words that block in numbers (FineWeb: {@code soft_banned_words.txt})
   * @param textWordFiles           words and phrases that block in the text (C4: LDNOOBW {@code en})
   * @param softBannedUrlThreshold  distinct soft-banned URL words that block (datatrove default 2)
   * @param builtInDefaults         add the small built-in lists to the files above
   */
  public record Settings(List<String> domainFiles, List<String> urlFiles, List<String> bannedUrlWordFiles,
      List<String> bannedUrlSubwordFiles, List<String> softBannedUrlWordFiles, List<String> textWordFiles,
      int softBannedUrlThreshold, boolean builtInDefaults) implements Serializable {

    public Settings {
      domainFiles = List.copyOf(domainFiles);
      urlFiles = List.copyOf(urlFiles);
      bannedUrlWordFiles = List.copyOf(bannedUrlWordFiles);
      bannedUrlSubwordFiles = List.copyOf(bannedUrlSubwordFiles);
      softBannedUrlWordFiles = List.copyOf(softBannedUrlWordFiles);
      textWordFiles = List.copyOf(textWordFiles);
      if (softBannedUrlThreshold < 1) {
        throw new IllegalArgumentException("softBannedUrlThreshold must be >= 1: " + softBannedUrlThreshold);
      }
    }

    /** No external file, the built-in lists, and datatrove's soft-word threshold of 2. */
    public static Settings defaults() {
      return new Settings(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), 2, true);
    }
  }

  private final DomainBlocklist domains;
  private final UrlBlocklist urls;
  private final Set<String> bannedUrlWords;
  private final Set<String> softBannedUrlWords;
  private final SubstringTrie bannedUrlSubwords;
  private final PhraseMatcher textWords;
  private final int softThreshold;

  private HarmfulContentFilter(DomainBlocklist domains, UrlBlocklist urls, Set<String> bannedUrlWords,
      Set<String> softBannedUrlWords, SubstringTrie bannedUrlSubwords, PhraseMatcher textWords, int softThreshold) {
    this.domains = domains;
    this.urls = urls;
    this.bannedUrlWords = Set.copyOf(bannedUrlWords);
    this.softBannedUrlWords = Set.copyOf(softBannedUrlWords);
    this.bannedUrlSubwords = bannedUrlSubwords;
    this.textWords = textWords;
    this.softThreshold = softThreshold;
  }

  /** Loads the configured lists (and the built-in ones when asked) through {@code opener}. */
  public static HarmfulContentFilter load(Settings settings, Opener opener) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(opener, "opener");
    boolean builtIn = settings.builtInDefaults();
    List<String> domainEntries = entries(settings.domainFiles(), opener, builtIn ? BUILTIN_DOMAINS : null);
    List<String> urlEntries = entries(settings.urlFiles(), opener, null);
    List<String> banned = entries(settings.bannedUrlWordFiles(), opener, builtIn ? BUILTIN_BANNED_WORDS : null);
    List<String> subwords =
        entries(settings.bannedUrlSubwordFiles(), opener, builtIn ? BUILTIN_BANNED_SUBWORDS : null);
    List<String> soft = entries(settings.softBannedUrlWordFiles(), opener, builtIn ? BUILTIN_SOFT_WORDS : null);
    List<String> text = entries(settings.textWordFiles(), opener, builtIn ? BUILTIN_TEXT_PHRASES : null);

    SubstringTrie subwordTrie = new SubstringTrie();
    for (String w : subwords) {
      subwordTrie.add(normalizeUrl(w));
    }
    return new HarmfulContentFilter(
        DomainBlocklist.of(domainEntries, domainEntries.size()),
        UrlBlocklist.of(urlEntries, urlEntries.size()),
        normalizedWords(banned), normalizedWords(soft), subwordTrie, PhraseMatcher.of(text),
        settings.softBannedUrlThreshold());
  }

  private static List<String> entries(List<String> files, Opener opener, String builtinResource) {
    List<String> all = new ArrayList<>();
    for (String file : files) {
      InputStream in = Objects.requireNonNull(opener.apply(file), () -> "opener returned null for " + file);
      all.addAll(WordListFile.read(in, file));
    }
    if (builtinResource != null) {
      InputStream in = HarmfulContentFilter.class.getResourceAsStream(builtinResource);
      if (in == null) {
        throw new IllegalStateException("built-in list missing from the classpath: " + builtinResource);
      }
      all.addAll(WordListFile.read(in, builtinResource));
    }
    return all;
  }

  /** datatrove {@code normalize}: drop everything but ASCII letters and digits, then lower-case. */
  static String normalizeUrl(String s) {
    return NON_ALNUM.matcher(s).replaceAll("").toLowerCase(Locale.ROOT);
  }

  private static Set<String> normalizedWords(List<String> words) {
    Set<String> out = new HashSet<>();
    for (String w : words) {
      String n = normalizeUrl(w);
      if (!n.isEmpty()) {
        out.add(n);
      }
    }
    return out;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Verdict apply(Document doc) {
    String url = doc.url() != null && !doc.url().isEmpty() ? doc.url() : doc.domain();
    String reason = null;

    UrlParts parts = UrlParts.parse(url);
    String blockedDomain = domains.match(parts);
    if (blockedDomain != null) {
      reason = "blocked_domain " + blockedDomain + (blockedDomain.equals(parts.host()) ? "" : " (host " + parts.host()
          + ")");
    }
    String blockedUrl = urls.match(parts);
    if (reason == null && blockedUrl != null) {
      reason = "blocked_url " + blockedUrl;
    }

    Set<String> urlWords = urlWords(url);
    Set<String> banned = new TreeSet<>();
    Set<String> soft = new TreeSet<>();
    for (String w : urlWords) {
      if (bannedUrlWords.contains(w)) {
        banned.add(w);
      }
      if (softBannedUrlWords.contains(w)) {
        soft.add(w);
      }
    }
    if (reason == null && !banned.isEmpty()) {
      reason = "url_banned_word " + banned.iterator().next();
    }
    if (reason == null && soft.size() >= softThreshold) {
      reason = "url_soft_banned_words " + soft.size() + " >= " + softThreshold + " " + soft;
    }
    String subword = url == null ? null : bannedUrlSubwords.firstIn(normalizeUrl(url));
    if (reason == null && subword != null) {
      reason = "url_banned_subword " + subword;
    }
    PhraseMatcher.Hits textHits = textWords.find(doc.text());
    if (reason == null && textHits.count() > 0) {
      reason = "text_bad_word '" + textHits.first() + "'";
    }

    SignalMap signals = new SignalMap(NAME)
        .put("blocked_domain", blockedDomain != null ? 1 : 0)
        .put("blocked_url", blockedUrl != null ? 1 : 0)
        .put("url_banned_words", banned.size())
        .put("url_soft_banned_words", soft.size())
        .put("url_banned_subword", subword != null ? 1 : 0)
        .put("text_bad_words", textHits.count());
    return reason == null ? Verdict.keep(signals.build()) : Verdict.reject(signals.build(), reason);
  }

  /** datatrove {@code set(normalizer.split(url))}, lower-cased. */
  private static Set<String> urlWords(String url) {
    Set<String> words = new HashSet<>();
    if (url == null) {
      return words;
    }
    for (String w : NON_ALNUM.split(url)) {
      if (!w.isEmpty()) {
        words.add(w.toLowerCase(Locale.ROOT));
      }
    }
    return words;
  }

  /** Sizes of the loaded lists, for logs: domains, urls, banned, soft, subwords, text entries. */
  public String describe() {
    return String.format(Locale.ROOT,
        "domains=%d urls=%d url_banned_words=%d url_soft_banned_words=%d url_banned_subwords=%d text_entries=%d",
        domains.size(), urls.size(), bannedUrlWords.size(), softBannedUrlWords.size(), bannedUrlSubwords.size(),
        textWords.size());
  }
}
