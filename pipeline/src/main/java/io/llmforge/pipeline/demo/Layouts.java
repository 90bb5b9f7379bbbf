package io.llmforge.pipeline.demo;

import java.util.List;
import java.util.Random;

/**
 * Wraps article paragraphs in the markup real sites use: a header and navigation, a sidebar of related links,
 * a cookie banner, a footer and scripts. Three layouts (semantic HTML5, div soup with class names, a table
 * layout) so extraction is not tuned to one shape.
 */
final class Layouts {
  private final Random random;

  Layouts(Random random) {
    this.random = random;
  }

  String page(String title, List<String> paragraphs) {
    return switch (random.nextInt(3)) {
      case 0 -> semantic(title, paragraphs);
      case 1 -> divSoup(title, paragraphs);
      default -> tables(title, paragraphs);
    };
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static String paras(List<String> paragraphs) {
    StringBuilder sb = new StringBuilder();
    for (String p : paragraphs) {
      sb.append("<p>").append(escape(p)).append("</p>\n");
    }
    return sb.toString();
  }

  private static String navLinks() {
    return "<a href=\"/\">Home</a> <a href=\"/news\">News</a> <a href=\"/sport\">Sport</a> "
        + "<a href=\"/culture\">Culture</a> <a href=\"/about\">About us</a> <a href=\"/contact\">Contact</a>";
  }

  private String related() {
    StringBuilder sb = new StringBuilder("<ul>");
    for (int i = 0; i < 6; i++) {
      sb.append("<li><a href=\"/story/").append(random.nextInt(10000)).append("\">Read more: story number ")
          .append(random.nextInt(10000)).append("</a></li>");
    }
    return sb.append("</ul>").toString();
  }

  private static final String COOKIES = "We use cookies to improve your experience. By continuing you accept our "
      + "<a href=\"/privacy\">privacy policy</a>. <button>Accept</button>";
  private static final String SCRIPT = "<script>window.dataLayer = window.dataLayer || []; "
      + "function gtag(){dataLayer.push(arguments);} gtag('js', new Date());</script>";

  private String semantic(String title, List<String> paragraphs) {
    return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title)
        + " | Daily Harbour</title><style>body{font-family:serif}</style></head><body>\n"
        + "<div class=\"cookie-banner\">" + COOKIES + "</div>\n"
        + "<header><div class=\"logo\">Daily Harbour</div><nav>" + navLinks() + "</nav></header>\n"
        + "<main><article><h1>" + escape(title) + "</h1><p class=\"byline\">By Staff Writer</p>\n"
        + paras(paragraphs) + "</article>\n"
        + "<aside><h3>Related stories</h3>" + related() + "</aside></main>\n"
        + "<footer><p>© 2024 Daily Harbour Media. All rights reserved.</p><a href=\"/terms\">Terms of use</a> "
        + "<a href=\"/privacy\">Privacy</a></footer>\n" + SCRIPT + "</body></html>";
  }

  private String divSoup(String title, List<String> paragraphs) {
    return "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"><title>"
        + escape(title) + "</title></head><body><div id=\"wrapper\">\n"
        + "<div class=\"top-menu\">" + navLinks() + "</div>\n"
        + "<div class=\"share-buttons\"><a href=\"#\">Share on Facebook</a> <a href=\"#\">Tweet</a></div>\n"
        + "<div class=\"row\"><div class=\"col-8 post-content\"><h2>" + escape(title) + "</h2>\n"
        + paras(paragraphs) + "</div>\n"
        + "<div class=\"col-4 sidebar\"><div class=\"widget\"><h4>Popular</h4>" + related() + "</div></div></div>\n"
        + "<div class=\"comments\"><h4>3 comments</h4><div class=\"comment\">Great post!</div>"
        + "<div class=\"comment\">Thanks for sharing.</div></div>\n"
        + "<div class=\"site-footer\">Copyright 2024 · <a href=\"/imprint\">Imprint</a></div>\n"
        + "</div>" + SCRIPT + "</body></html>";
  }

  private String tables(String title, List<String> paragraphs) {
    return "<html><head><title>" + escape(title) + "</title></head><body bgcolor=\"white\">\n"
        + "<table width=\"100%\"><tr><td colspan=\"2\">" + navLinks() + "</td></tr>\n"
        + "<tr><td width=\"20%\" valign=\"top\">" + related() + "</td>\n"
        + "<td valign=\"top\"><font size=\"5\"><b>" + escape(title) + "</b></font><br>\n"
        + paras(paragraphs) + "</td></tr>\n"
        + "<tr><td colspan=\"2\"><small>Last updated 2024 &middot; webmaster@example.org</small></td></tr>"
        + "</table></body></html>";
  }
}
