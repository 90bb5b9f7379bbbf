package io.llmforge.pipeline.extract;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jsoup.nodes.Element;

/**
 * What an element's class and id say about it. They are split into words ("relatedPosts article__body"
 * gives related, posts, article, body) and each word is matched by prefix against short stems, so
 * "sharebar" and "comments" match while "adrail" does not match "rail" and "download" does not match
 * "ad". Substring matching on the raw attribute, as readability does, deletes too much.
 */
final class ClassHints {
  /** Widgets: share bars, comment threads, related-story rails, ads, consent banners. */
  private static final List<String> WIDGET = List.of(
      "comment", "disqus", "share", "sharing", "related", "recommend", "promo", "newsletter", "subscri",
      "signup", "cookie", "consent", "gdpr", "outbrain", "taboola", "sponsor", "popular", "trending",
      "recirc", "advert", "toolbar", "readmore");
  private static final Set<String> WIDGET_WORDS = Set.of("ad", "ads", "dfp", "tags", "tag");
  /** Page furniture: headers, sidebars, bylines, social links. */
  private static final List<String> FURNITURE = List.of(
      "header", "masthead", "footer", "sidebar", "rail", "menu", "navbar", "nav", "breadcrumb",
      "pagination", "pager", "byline", "author", "caption", "credit", "skip", "print", "login", "meta",
      "hidden", "banner", "popup", "modal", "social", "widget");
  /**
   * Embedded posts (tweets, Instagram) sit in "social-embed" or "article-widget" wrappers, yet are
   * quoted content that article bodies keep.
   */
  private static final List<String> EMBED = List.of("embed");
  /** Content containers: "article-body", "entry-content", "story". */
  private static final List<String> CONTENT = List.of(
      "article", "content", "body", "main", "story", "entry", "post", "blog");

  enum Verdict {
    /** A widget: delete it, whatever else its class says. */
    WIDGET,
    /** Page furniture (and not an embed). */
    FURNITURE,
    /** Names itself as content, and as nothing negative. */
    CONTENT,
    /** Says nothing we use. */
    NEUTRAL
  }

  private ClassHints() {}

  static Verdict judge(Element e) {
    String hints = e.className() + " " + e.id();
    if (hints.isBlank()) {
      return Verdict.NEUTRAL;
    }
    boolean furniture = false;
    boolean embed = false;
    boolean content = false;
    for (String w : words(hints)) {
      if (WIDGET_WORDS.contains(w) || startsWithAny(w, WIDGET)) {
        return Verdict.WIDGET;
      }
      furniture |= startsWithAny(w, FURNITURE);
      embed |= startsWithAny(w, EMBED);
      content |= startsWithAny(w, CONTENT);
    }
    if (furniture) {
      return embed ? Verdict.NEUTRAL : Verdict.FURNITURE;
    }
    return content ? Verdict.CONTENT : Verdict.NEUTRAL;
  }

  /** Lower-cased words of a class/id string, split at non-alphanumerics and camelCase humps. */
  static List<String> words(String hints) {
    List<String> out = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    char prev = ' ';
    for (int i = 0; i < hints.length(); i++) {
      char c = hints.charAt(i);
      boolean alnum = Character.isLetterOrDigit(c);
      boolean hump = Character.isUpperCase(c) && Character.isLowerCase(prev);
      if (!alnum || hump) {
        flush(w, out);
      }
      if (alnum) {
        w.append(Character.toLowerCase(c));
      }
      prev = c;
    }
    flush(w, out);
    return out;
  }

  private static void flush(StringBuilder w, List<String> out) {
    if (w.length() > 0) {
      out.add(w.toString());
      w.setLength(0);
    }
  }

  private static boolean startsWithAny(String word, List<String> stems) {
    for (String s : stems) {
      if (word.startsWith(s)) {
        return true;
      }
    }
    return false;
  }
}
