package io.llmforge.pipeline.filter;

import static io.llmforge.pipeline.filter.SharedTestData.doc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.filter.HarmfulContentFilter.Settings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HarmfulContentFilterTest {

  private static final Set<String> SIGNALS = Set.of("harmful_blocked_domain", "harmful_blocked_url",
      "harmful_url_banned_words", "harmful_url_soft_banned_words", "harmful_url_banned_subword",
      "harmful_text_bad_words");
  private static final String CLEAN_TEXT = "An ordinary page about gardening and the weather.";

  @TempDir
  Path dir;

  private Path write(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, content, StandardCharsets.UTF_8);
    return p;
  }

  private Path writeGzip(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    }
    return p;
  }

  private static Settings settings(List<Path> domains, List<Path> urls, List<Path> banned, List<Path> subwords,
      List<Path> soft, List<Path> text, int threshold) {
    return new Settings(strings(domains), strings(urls), strings(banned), strings(subwords), strings(soft),
        strings(text), threshold, false);
  }

  private static List<String> strings(List<Path> paths) {
    return paths.stream().map(Path::toString).toList();
  }

  private static Verdict check(HarmfulContentFilter f, String url, String text) {
    Verdict v = f.apply(doc(url, text));
    assertEquals(SIGNALS, v.signals().keySet(), "all signals, kept or not");
    return v;
  }

  private static HarmfulContentFilter load(Settings s) {
    return HarmfulContentFilter.load(s, HarmfulContentFilter.Opener.localFiles());
  }

  @Test
  void domainListBlocksHostAndSubdomainsOnly() throws IOException {
    Path plain = write("domains", "# adult domains\nexample-adult.com\n\n  Other-Adult.NET  \n203.0.113.7\n");
    Path gz = writeGzip("more.gz", "gz-listed.org\n");
    HarmfulContentFilter f = load(settings(List.of(plain, gz), List.of(), List.of(), List.of(), List.of(),
        List.of(), 2));

    Verdict v = check(f, "https://www.sub.example-adult.com/page?x=1", CLEAN_TEXT);
    assertEquals("blocked_domain example-adult.com (host sub.example-adult.com)", v.rejectReason());
    assertEquals(1.0, v.signals().get("harmful_blocked_domain"));
    assertEquals("blocked_domain example-adult.com", check(f, "http://EXAMPLE-ADULT.com.", CLEAN_TEXT)
        .rejectReason());
    assertEquals("blocked_domain other-adult.net", check(f, "http://other-adult.net:8080/", CLEAN_TEXT)
        .rejectReason());
    assertEquals("blocked_domain gz-listed.org (host a.b.gz-listed.org)",
        check(f, "https://a.b.gz-listed.org/", CLEAN_TEXT).rejectReason());
    assertEquals("blocked_domain 203.0.113.7", check(f, "http://203.0.113.7/x", CLEAN_TEXT).rejectReason());

    for (String ok : List.of("https://notexample-adult.com/", "https://example-adult.com.evil.org/",
        "https://example.com/example-adult.com", "http://113.7/", "not a url", "")) {
      Verdict keep = check(f, ok, CLEAN_TEXT);
      assertNull(keep.rejectReason(), ok);
      assertEquals(0.0, keep.signals().get("harmful_blocked_domain"));
    }
  }

  @Test
  void urlListBlocksTheUrlAndThePathsBelowIt() throws IOException {
    Path urls = write("urls", "badsite.com/gallery\nwww.other.org/a/b/\nquery.net/watch?v=123\n");
    HarmfulContentFilter f = load(settings(List.of(), List.of(urls), List.of(), List.of(), List.of(), List.of(), 2));
    assertEquals("blocked_url badsite.com/gallery", check(f, "http://badsite.com/gallery", CLEAN_TEXT)
        .rejectReason());
    assertEquals("blocked_url badsite.com/gallery", check(f, "https://www.badsite.com/Gallery/1?page=2#top",
        CLEAN_TEXT).rejectReason());
    assertEquals("blocked_url badsite.com/gallery", check(f, "https://cdn.badsite.com/gallery/", CLEAN_TEXT)
        .rejectReason());
    assertEquals("blocked_url other.org/a/b", check(f, "http://other.org/a/b/c.html", CLEAN_TEXT).rejectReason());
    assertEquals("blocked_url query.net/watch?v=123", check(f, "http://query.net/watch?v=123", CLEAN_TEXT)
        .rejectReason());
    for (String ok : List.of("http://badsite.com/", "http://badsite.com/galleryx", "http://other.org/a",
        "http://query.net/watch?v=124", "http://query.net/watch")) {
      assertNull(check(f, ok, CLEAN_TEXT).rejectReason(), ok);
    }
  }

  @Test
  void bannedSoftAndSubWordsInTheUrlAsDatatrove() throws IOException {
    Path banned = write("banned.txt", "porn\n#ignored\nxxx\n");
    Path soft = write("soft.txt", "sex\ncam\nnude\n");
    Path sub = write("sub.txt", "porn hub\n");
    HarmfulContentFilter f = load(settings(List.of(), List.of(), List.of(banned), List.of(sub), List.of(soft),
        List.of(), 2));

    Verdict v = check(f, "https://x.com/free-PORN-videos", CLEAN_TEXT);
    assertEquals("url_banned_word porn", v.rejectReason());
    assertEquals(1.0, v.signals().get("harmful_url_banned_words"));
    assertNull(check(f, "https://x.com/pornography-research", CLEAN_TEXT).rejectReason(), "whole words only");
    assertNull(check(f, "https://x.com/ignored", CLEAN_TEXT).rejectReason(), "# lines are comments");

    v = check(f, "https://x.com/sex-education", CLEAN_TEXT);
    assertNull(v.rejectReason(), "one soft word is not enough");
    assertEquals(1.0, v.signals().get("harmful_url_soft_banned_words"));
    v = check(f, "https://nude.example/live_cam/page", CLEAN_TEXT);
    assertEquals("url_soft_banned_words 2 >= 2 [cam, nude]", v.rejectReason());
    HarmfulContentFilter three = load(settings(List.of(), List.of(), List.of(), List.of(), List.of(soft), List.of(),
        3));
    assertNull(check(three, "https://nude.example/live_cam/page", CLEAN_TEXT).rejectReason());

    v = check(f, "https://www.Free-PornHub.net/", CLEAN_TEXT);
    assertEquals("url_banned_subword pornhub", v.rejectReason());
    assertEquals(1.0, v.signals().get("harmful_url_banned_subword"));
  }

  @Test
  void textWordsFromJsonArraysMatchWholeWordsInAnyCase() throws IOException {
    Path json = write("en.json", "[\n  \"badword\",\n  \"two words\",\n  \"s&m\",\n  \"\\u00e9vil\",\n  \"禁止词\",\n"
        + "  \"🖕\"\n]\n");
    HarmfulContentFilter f = load(settings(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(json),
        2));
    Verdict v = check(f, "https://example.org/", "This page has a BadWord in it.");
    assertEquals("text_bad_word 'badword'", v.rejectReason());
    assertEquals(1.0, v.signals().get("harmful_text_bad_words"));
    assertEquals("text_bad_word 'two words'", check(f, "https://example.org/", "Two-words here.").rejectReason());
    assertEquals("text_bad_word 's m'", check(f, "https://example.org/", "about S&M clubs").rejectReason());
    assertEquals("text_bad_word 'évil'", check(f, "https://example.org/", "ÉVIL!").rejectReason());
    assertEquals("text_bad_word '禁止词'", check(f, "https://example.org/", "这里有禁止词。").rejectReason());
    for (String ok : List.of("badwords are plural", "two, three words", "évils", "禁止", "🖕 alone")) {
      assertNull(check(f, "https://example.org/", ok).rejectReason(), ok);
    }
    assertEquals(3.0, check(f, "https://example.org/", "badword badword two words").signals()
        .get("harmful_text_bad_words"));
  }

  @Test
  void opensFilesThroughAnyFunction() {
    Map<String, String> fs = new HashMap<>();
    fs.put("hdfs://lists/domains", "remote-adult.com\n");
    Function<String, java.io.InputStream> remote =
        path -> new ByteArrayInputStream(fs.get(path).getBytes(StandardCharsets.UTF_8));
    HarmfulContentFilter f = HarmfulContentFilter.load(new Settings(List.of("hdfs://lists/domains"), List.of(),
        List.of(), List.of(), List.of(), List.of(), 2, false), remote::apply);
    assertEquals("blocked_domain remote-adult.com", check(f, "https://remote-adult.com/", CLEAN_TEXT)
        .rejectReason());
    assertThrows(UncheckedIOException.class, () -> load(new Settings(List.of(dir.resolve("missing").toString()),
        List.of(), List.of(), List.of(), List.of(), List.of(), 2, false)));
  }

  @Test
  void builtInDefaultsWorkWithoutFiles() {
    HarmfulContentFilter f = load(Settings.defaults());
    assertEquals(2, Settings.defaults().softBannedUrlThreshold());
    assertEquals("blocked_domain pornhub.com (host de.pornhub.com)", check(f, "https://de.pornhub.com/view",
        CLEAN_TEXT).rejectReason());
    assertEquals("url_banned_word xxx", check(f, "https://videos.example/xxx/1", CLEAN_TEXT).rejectReason());
    assertEquals("url_banned_subword freeporn", check(f, "https://freeporntube.example/", CLEAN_TEXT)
        .rejectReason());
    assertEquals("text_bad_word 'free porn'", check(f, "https://example.org/", "Click for FREE PORN now")
        .rejectReason());
    for (String ok : List.of("https://en.wikipedia.org/wiki/Essex", "https://en.wikipedia.org/wiki/Sussex",
        "https://en.wikipedia.org/wiki/Pornography", "https://www.bbc.co.uk/news/sex-education-in-schools",
        "https://www.gov.uk/adult-social-care")) {
      assertNull(check(f, ok, CLEAN_TEXT).rejectReason(), ok);
    }
    assertTrue(f.describe().contains("domains=16"), f.describe());
  }

  @Test
  void wordListFilesInEitherFormat() {
    assertEquals(List.of("a", "b c"), WordListFile.read(new ByteArrayInputStream(
        "\uFEFF# comment\n a \n\nb c\r\n".getBytes(StandardCharsets.UTF_8)), "lines"));
    assertEquals(List.of("a\"q", "é", "x/y"), WordListFile.parseJsonArray("[\"a\\\"q\", \"\\u00e9\", \"x\\/y\"]",
        "json"));
    assertEquals(List.of(), WordListFile.parseJsonArray(" [ ] ", "json"));
    assertThrows(IllegalArgumentException.class, () -> WordListFile.parseJsonArray("[\"a\", 3]", "json"));
    assertThrows(IllegalArgumentException.class, () -> WordListFile.parseJsonArray("[\"a\"", "json"));
  }

  @Test
  void realUt1AndFineWebListsBlockListedEntriesButNotWikipedia() {
    Path ut1 = SharedTestData.require("quality/ut1");
    Path fineweb = SharedTestData.require("quality/datatrove-fineweb-wordlists");
    Path ldnoobw = SharedTestData.require("quality/naughty-words/en.json");
    List<String> domainFiles = List.of("gambling_domains", "dating_domains", "mixed_adult_domains",
        "lingerie_domains", "agressif_domains", "drogue_domains");
    Settings s = new Settings(
        domainFiles.stream().map(n -> ut1.resolve(n).toString()).toList(),
        List.of(ut1.resolve("adult_urls").toString()),
        List.of(fineweb.resolve("banned_words.txt").toString()),
        List.of(fineweb.resolve("banned_subwords.txt").toString()),
        List.of(fineweb.resolve("soft_banned_words.txt").toString()),
        List.of(ldnoobw.toString()), 2, false);
    HarmfulContentFilter f = load(s);
    System.out.println("real lists: " + f.describe());

    for (String file : domainFiles) {
      String first = WordListFile.read(open(ut1.resolve(file)), file).get(0);
      Verdict v = check(f, "http://www." + first + "/index.html", CLEAN_TEXT);
      assertEquals(1.0, v.signals().get("harmful_blocked_domain"), first);
      assertTrue(v.rejectReason().startsWith("blocked_domain "), v.rejectReason());
    }
    List<String> urls = WordListFile.read(open(ut1.resolve("adult_urls")), "adult_urls");
    int blocked = 0;
    for (String entry : urls) {
      if (check(f, "https://" + entry, CLEAN_TEXT).signals().get("harmful_blocked_url") == 1.0) {
        blocked++;
      }
    }
    assertEquals(urls.size(), blocked, "every UT1 adult URL is blocked");
    String someUrl = urls.stream().filter(u -> u.indexOf('?') < 0 && u.indexOf('/') > 0).findFirst().orElseThrow();
    assertEquals(1.0, check(f, "https://" + someUrl + "/deeper/page", CLEAN_TEXT).signals().get(
        "harmful_blocked_url"), someUrl);

    String bannedWord = WordListFile.read(open(fineweb.resolve("banned_words.txt")), "banned").get(0);
    assertEquals(1.0, check(f, "https://example.org/" + bannedWord + "/1", CLEAN_TEXT).signals()
        .get("harmful_url_banned_words"), bannedWord);
    assertTrue(check(f, "https://example.org/", "Some text with an asshole in it.").rejectReason()
        .startsWith("text_bad_word"));

    for (String ok : List.of("https://en.wikipedia.org/wiki/Main_Page", "https://en.wikipedia.org/wiki/Sussex",
        "https://www.gov.uk/browse/benefits", "https://www.nature.com/articles/s41586-020-2649-2")) {
      Verdict v = check(f, ok, CLEAN_TEXT);
      assertNull(v.rejectReason(), ok);
    }
  }

  @Test
  void c4DocumentsHaveAlmostNoLdnoobwWords() {
    // C4 removed every page with a word of this list, so its documents should nearly all pass
    Path ldnoobw = SharedTestData.require("quality/naughty-words/en.json");
    HarmfulContentFilter f = load(new Settings(List.of(), List.of(), List.of(), List.of(), List.of(),
        List.of(ldnoobw.toString()), 2, false));
    List<String> docs = SharedTestData.c4Documents();
    long rejected = docs.stream().filter(t -> !f.apply(doc(t)).kept()).count();
    System.out.printf("LDNOOBW en rejects %d of %d c4_demo documents%n", rejected, docs.size());
    assertTrue(rejected <= docs.size() / 100, "rejected " + rejected);
  }

  private static java.io.InputStream open(Path p) {
    try {
      return Files.newInputStream(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void loadedFilterIsComplete() {
    assertFalse(load(Settings.defaults()).describe().isEmpty());
  }
}
