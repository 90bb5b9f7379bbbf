package io.llmforge.pipeline.filter;

import java.util.Locale;

/**
 * A URL cut into lower-case host, path and query without ever throwing (crawl URLs are often malformed). The host
 * loses userinfo, port, a trailing dot and a leading "www."; the path loses trailing slashes; the fragment is
 * dropped. This is the form blocklist entries are normalised to, so that {@code http://www.Example.com/a/} and the
 * UT1 entry {@code example.com/a} meet.
 *
 * @param host  e.g. {@code example.com}; "" when the URL has none
 * @param path  e.g. {@code /a/b}; "" for the root
 * @param query the part after "?", without it; "" when absent
 */
record UrlParts(String host, String path, String query) {

  static UrlParts parse(String url) {
    String u = url == null ? "" : Words.strip(url).toLowerCase(Locale.ROOT);
    int scheme = u.indexOf("://");
    if (scheme >= 0 && scheme < 16) {
      u = u.substring(scheme + 3);
    }
    int hash = u.indexOf('#');
    if (hash >= 0) {
      u = u.substring(0, hash);
    }
    int authorityEnd = indexOfAny(u, "/?");
    String authority = authorityEnd < 0 ? u : u.substring(0, authorityEnd);
    String rest = authorityEnd < 0 ? "" : u.substring(authorityEnd);
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      authority = authority.substring(at + 1);
    }
    String host = stripPort(authority);
    while (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    if (host.startsWith("www.")) {
      host = host.substring(4);
    }
    int q = rest.indexOf('?');
    String path = q < 0 ? rest : rest.substring(0, q);
    String query = q < 0 ? "" : rest.substring(q + 1);
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return new UrlParts(host, path, query);
  }

  private static String stripPort(String authority) {
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      return close > 0 ? authority.substring(1, close) : authority;
    }
    int colon = authority.lastIndexOf(':');
    if (colon >= 0 && authority.indexOf(':') == colon) {
      return authority.substring(0, colon);
    }
    return authority;
  }

  private static int indexOfAny(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  /** True for a dotted IPv4 or a bracket-less IPv6 literal: such hosts have no parent domains. */
  boolean hostIsIpLiteral() {
    if (host.indexOf(':') >= 0) {
      return true;
    }
    if (host.isEmpty()) {
      return false;
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (!(c == '.' || (c >= '0' && c <= '9'))) {
        return false;
      }
    }
    return true;
  }
}
