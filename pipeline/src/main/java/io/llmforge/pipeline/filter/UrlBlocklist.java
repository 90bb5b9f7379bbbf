package io.llmforge.pipeline.filter;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Blocked URLs, UT1 {@code urls} style: entries are {@code host/path} without scheme (a scheme, "www." and
 * trailing slashes are ignored). As squidGuard matches such lists, an entry blocks the URL itself and everything
 * below it ({@code example.com/a} blocks {@code https://www.example.com/a/b?x=1} but not {@code example.com/ab}),
 * on the host and its subdomains; an entry with a query string blocks only that exact URL. Comparison is case
 * insensitive. A lookup probes (labels of the host) x (segments of the path) keys.
 */
final class UrlBlocklist implements Serializable {
  private static final long serialVersionUID = 1L;

  private final FingerprintSet urls;

  private UrlBlocklist(FingerprintSet urls) {
    this.urls = urls;
  }

  static UrlBlocklist of(Iterable<String> entries, int expected) {
    FingerprintSet set = new FingerprintSet(expected);
    for (String entry : entries) {
      String key = normalize(entry);
      if (key != null) {
        set.add(key);
      }
    }
    return new UrlBlocklist(set);
  }

  /** An entry as stored: {@code host + path [+ "?" + query]}, lower case; null for a blank or comment line. */
  static String normalize(String entry) {
    String e = Words.strip(entry).toLowerCase(Locale.ROOT);
    if (e.isEmpty() || e.startsWith("#")) {
      return null;
    }
    UrlParts p = UrlParts.parse(e);
    if (p.host().isEmpty()) {
      return null;
    }
    return p.host() + p.path() + (p.query().isEmpty() ? "" : "?" + p.query());
  }

  int size() {
    return urls.size();
  }

  /** The listed entry that blocks {@code url}, or null. */
  String match(UrlParts url) {
    if (url.host().isEmpty()) {
      return null;
    }
    for (String host : hostAndParents(url)) {
      if (!url.query().isEmpty()) {
        String exact = host + url.path() + "?" + url.query();
        if (urls.contains(exact)) {
          return exact;
        }
      }
      String path = url.path();
      for (int end = path.length(); end >= 0; end = end == 0 ? -1 : path.lastIndexOf('/', end - 1)) {
        String key = host + path.substring(0, end);
        if (urls.contains(key)) {
          return key;
        }
      }
    }
    return null;
  }

  private static List<String> hostAndParents(UrlParts url) {
    List<String> hosts = new ArrayList<>(4);
    String host = url.host();
    hosts.add(host);
    if (!url.hostIsIpLiteral()) {
      for (int dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
        if (host.indexOf('.', dot + 1) >= 0) {
          hosts.add(host.substring(dot + 1));
        }
      }
    }
    return hosts;
  }
}
