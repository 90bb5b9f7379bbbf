package io.llmforge.pipeline.document;

import java.net.URI;
import java.util.Locale;

/** URL helpers that never throw: crawl URLs are often malformed. */
public final class Urls {
  private Urls() {}

  /** Lower-case host without a leading "www.", or "" when the URL has none. */
  public static String domainOf(String url) {
    if (url == null || url.isEmpty()) {
      return "";
    }
    String host;
    try {
      host = URI.create(url.trim()).getHost();
    } catch (IllegalArgumentException e) {
      host = null;
    }
    if (host == null) {
      host = hostByHand(url);
    }
    host = host.toLowerCase(Locale.ROOT);
    return host.startsWith("www.") ? host.substring(4) : host;
  }

  private static String hostByHand(String url) {
    int start = url.indexOf("://");
    start = start < 0 ? 0 : start + 3;
    int end = start;
    while (end < url.length() && "/?#:".indexOf(url.charAt(end)) < 0) {
      end++;
    }
    String host = url.substring(start, end);
    int at = host.lastIndexOf('@');
    return at >= 0 ? host.substring(at + 1) : host;
  }
}
