package io.llmforge.pipeline.filter;

import java.io.Serializable;
import java.util.Locale;

/**
 * Blocked domains, UT1 style: one domain per line; a URL is blocked when its host or any parent domain is listed
 * ({@code a.b.example.com} is blocked by {@code example.com}). IP-address hosts match only exactly. Lookup costs one
 * set probe per label of the host. Entries are stored as fingerprints ({@link FingerprintSet}).
 */
final class DomainBlocklist implements Serializable {
  private static final long serialVersionUID = 1L;

  private final FingerprintSet domains;

  private DomainBlocklist(FingerprintSet domains) {
    this.domains = domains;
  }

  static DomainBlocklist of(Iterable<String> entries, int expected) {
    FingerprintSet set = new FingerprintSet(expected);
    for (String entry : entries) {
      String d = normalize(entry);
      if (d != null) {
        set.add(d);
      }
    }
    return new DomainBlocklist(set);
  }

  /**
   * An entry as stored: lower case, without scheme, path, port, a leading "*." or "." or a trailing ".";
   * null for an entry that is not a domain.
   */
  static String normalize(String entry) {
    String d = Words.strip(entry).toLowerCase(Locale.ROOT);
    if (d.isEmpty() || d.startsWith("#")) {
      return null;
    }
    UrlParts parts = UrlParts.parse(d.startsWith("*.") ? d.substring(2) : d.startsWith(".") ? d.substring(1) : d);
    String host = parts.host();
    return host.isEmpty() || host.indexOf(' ') >= 0 ? null : host;
  }

  int size() {
    return domains.size();
  }

  /** The listed domain that blocks {@code url} (its host or a parent), or null. */
  String match(UrlParts url) {
    String host = url.host();
    if (host.isEmpty()) {
      return null;
    }
    if (domains.contains(host)) {
      return host;
    }
    if (url.hostIsIpLiteral()) {
      return null;
    }
    for (int dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
      String parent = host.substring(dot + 1);
      if (!parent.isEmpty() && domains.contains(parent)) {
        return parent;
      }
    }
    return null;
  }
}
