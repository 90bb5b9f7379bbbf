package io.llmforge.pipeline.extract;

import java.util.Locale;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * The page title: {@code <title>}, else the Open Graph title, else the first {@code <h1>}. Taken from the
 * whole document before boilerplate removal, whatever the content search decides later.
 */
final class PageTitle {
  private PageTitle() {}

  static String of(Document doc) {
    String t = collapse(doc.title());
    if (!t.isEmpty()) {
      return t;
    }
    Element og = doc.selectFirst("meta[property=og:title]");
    if (og != null) {
      t = collapse(og.attr("content"));
      if (!t.isEmpty()) {
        return t;
      }
    }
    Element h1 = doc.selectFirst("h1");
    return h1 == null ? "" : collapse(h1.text());
  }

  /**
   * Whether {@code text} (an {@code <h1>}) is the page's headline: the title contains it or it contains
   * the title, ignoring case and spacing ("Headline | Site" titles).
   */
  static boolean repeats(String title, String text) {
    String t = collapse(title).toLowerCase(Locale.ROOT);
    String h = collapse(text).toLowerCase(Locale.ROOT);
    return !t.isEmpty() && !h.isEmpty() && (t.contains(h) || h.contains(t));
  }

  private static String collapse(String s) {
    return s == null ? "" : s.replace('\u00a0', ' ').replaceAll("\\s+", " ").strip();
  }
}
