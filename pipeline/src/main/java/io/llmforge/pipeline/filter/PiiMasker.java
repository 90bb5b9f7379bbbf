package io.llmforge.pipeline.filter;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces e-mail addresses and IP addresses in text, after datatrove's {@code PIIFormatter}
 * (src/datatrove/pipeline/formatters/pii.py, commit a649de79), which FineWeb applied to its release:
 *
 * <ul>
 *   <li>e-mail: datatrove's regex (RFC 5322 local part, dotted domain or a bracketed IPv4 literal), replaced by
 *       {@code email@example.com} or {@code firstname.lastname@example.org} (example.com/.org are reserved for
 *       documentation, RFC 2606);
 *   <li>IPv4: four decimal octets 0-255 without leading zeros; by default only public addresses are masked (as
 *       upstream's {@code only_remove_public_ips}: 10/8, 127/8, 192.168/16 and the other IANA special-purpose
 *       blocks stay, they identify no one), replaced by one of upstream's six addresses, which did not answer
 *       pings when its authors chose them;
 *   <li>IPv6 (an addition: upstream masks IPv4 only): a full or "::"-compressed address that parses, masked when it
 *       is global unicast (2000::/3 without the documentation and 6to4 ranges), replaced by a documentation
 *       address (2001:db8::/32, RFC 3849).
 * </ul>
 *
 * Upstream cycles through the replacements in order, which makes the output depend on call history and the
 * formatter unsafe to share; here the replacement is picked by a hash of the address, so the same address is
 * always masked the same way ("random-looking but deterministic") and the masker is stateless and thread-safe.
 *
 * <p>To avoid masking version numbers and dotted dates ("1.2.3", "2024.01.15", "v1.2.3.4", "1.2.3.4.5",
 * "libfoo-2.34.1.8"), an IPv4 address must not be preceded by a letter, digit, "_", "-" or "digit.", nor followed
 * by a digit or ".digit". Upstream's regex has no such boundaries (it masks "1.2.3.4" inside "1.2.3.4.5").
 */
public final class PiiMasker implements Serializable {
  private static final long serialVersionUID = 1L;

  private static final String OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";

  /** datatrove's e-mail regex. */
  private static final Pattern EMAIL = Pattern.compile(
      "\\b[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:(?:[A-Za-z0-9](?:["
          + "A-Za-z0-9-]*[A-Za-z0-9])?\\.)+[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?|\\[(?:(?:25[0-5]|2[0-4][0-9]|["
          + "01]?[0-9][0-9]?)\\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?|[A-Za-z0-9-]*[A-Za-z0-9]:)])");

  /** Dotted-quad IPv4 with the boundaries described in the class comment. */
  private static final Pattern IPV4 = Pattern.compile(
      "(?<![A-Za-z0-9_-])(?<![0-9]\\.)(" + OCTET + "\\.){3}" + OCTET + "(?![0-9])(?!\\.[0-9])");

  /** IPv6 candidates; {@link Ipv6#parse} decides. */
  private static final Pattern IPV6 = Pattern.compile(
      "(?<![A-Za-z0-9_:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:" + OCTET + "(?:\\." + OCTET + "){3}|[0-9A-Fa-f]{1,4})?"
          + "(?![A-Za-z0-9_:])(?!\\.[0-9])");

  /** Longest e-mail looked at around an "@": RFC 5321 allows 64 characters before it and 255 after. */
  private static final int EMAIL_BEFORE = 64;
  private static final int EMAIL_AFTER = 255;

  /** The text with addresses replaced, and how many of each kind were. */
  public record Masked(String text, int emails, int ips) {}

  /**
   * What to mask and with what.
   *
   * @param maskEmails        replace e-mail addresses (upstream {@code remove_emails}, default true)
   * @param maskIps           replace IP addresses (upstream {@code remove_ips}, default true)
   * @param onlyPublicIps     leave private, loopback and other special-purpose addresses (upstream default true)
   * @param emailReplacements replacements for e-mail addresses (upstream's two)
   * @param ipv4Replacements  replacements for IPv4 addresses (upstream's six)
   * @param ipv6Replacements  replacements for IPv6 addresses (documentation addresses)
   */
  public record Settings(boolean maskEmails, boolean maskIps, boolean onlyPublicIps, List<String> emailReplacements,
      List<String> ipv4Replacements, List<String> ipv6Replacements) implements Serializable {

    public Settings {
      emailReplacements = List.copyOf(emailReplacements);
      ipv4Replacements = List.copyOf(ipv4Replacements);
      ipv6Replacements = List.copyOf(ipv6Replacements);
      if (emailReplacements.isEmpty() || ipv4Replacements.isEmpty() || ipv6Replacements.isEmpty()) {
        throw new IllegalArgumentException("each replacement list needs at least one entry");
      }
    }

    /** datatrove's defaults (plus IPv6 documentation addresses). */
    public static Settings defaults() {
      return new Settings(true, true, true,
          List.of("email@example.com", "firstname.lastname@example.org"),
          List.of("22.214.171.124", "126.96.36.199", "188.8.131.52", "184.108.40.206", "220.127.116.11",
              "18.104.22.168"),
          List.of("2001:db8::1", "2001:db8::a:1", "2001:db8:0:1::2"));
    }
  }

  private final Settings settings;

  public PiiMasker() {
    this(Settings.defaults());
  }

  public PiiMasker(Settings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  public Settings settings() {
    return settings;
  }

  /** The masked text with counts. E-mails are masked first, so an IP inside an address counts as an e-mail. */
  public Masked mask(String text) {
    Objects.requireNonNull(text, "text");
    int[] emails = {0};
    int[] ips = {0};
    String out = text;
    if (settings.maskEmails() && out.indexOf('@') >= 0) {
      out = maskEmails(out, emails);
    }
    if (settings.maskIps()) {
      if (out.indexOf(':') >= 0) {
        out = replace(IPV6, out, ips, m -> {
          Ipv6 ip = Ipv6.parse(m);
          return ip != null && (!settings.onlyPublicIps() || ip.isPublic()) ? pick(settings.ipv6Replacements(), m)
              : null;
        });
      }
      if (out.indexOf('.') >= 0) {
        out = replace(IPV4, out, ips, m -> !settings.onlyPublicIps() || Ipv4.isPublic(Ipv4.parse(m))
            ? pick(settings.ipv4Replacements(), m) : null);
      }
    }
    return new Masked(out, emails[0], ips[0]);
  }

  /**
   * The e-mail regex applied in a window around each "@" rather than over the whole text, so that long runs of
   * address-like characters cannot make it quadratic.
   */
  private String maskEmails(String text, int[] count) {
    StringBuilder sb = new StringBuilder(text.length());
    Matcher m = EMAIL.matcher(text);
    m.useTransparentBounds(true).useAnchoringBounds(false);
    int copied = 0;
    int at = text.indexOf('@');
    while (at >= 0) {
      m.region(Math.max(copied, at - EMAIL_BEFORE), Math.min(text.length(), at + 1 + EMAIL_AFTER));
      if (m.find() && m.start() <= at) {
        sb.append(text, copied, m.start()).append(pick(settings.emailReplacements(), m.group()));
        copied = m.end();
        count[0]++;
        at = text.indexOf('@', copied);
      } else {
        at = text.indexOf('@', at + 1);
      }
    }
    return count[0] == 0 ? text : sb.append(text, copied, text.length()).toString();
  }

  private static String replace(Pattern p, String text, int[] count,
      java.util.function.Function<String, String> replacement) {
    Matcher m = p.matcher(text);
    StringBuilder sb = null;
    int copied = 0;
    while (m.find()) {
      String r = replacement.apply(m.group());
      if (r == null) {
        continue;
      }
      if (sb == null) {
        sb = new StringBuilder(text.length());
      }
      sb.append(text, copied, m.start()).append(r);
      copied = m.end();
      count[0]++;
    }
    return sb == null ? text : sb.append(text, copied, text.length()).toString();
  }

  private static String pick(List<String> replacements, String original) {
    return replacements.get(Math.floorMod(original.hashCode() * 0x9E3779B1, replacements.size()));
  }

  /** IPv4 addresses as ints, and CPython {@code ipaddress}'s notion of "global" (IANA special-purpose registry). */
  static final class Ipv4 {
    private Ipv4() {}

    /** {network, prefix length}: the blocks that identify no one (private, loopback, documentation...). */
    private static final long[][] NOT_GLOBAL = {
        {0x00000000L, 8}, {0x0A000000L, 8}, {0x64400000L, 10}, {0x7F000000L, 8}, {0xA9FE0000L, 16},
        {0xAC100000L, 12}, {0xC0000000L, 24}, {0xC0000200L, 24}, {0xC0A80000L, 16}, {0xC6120000L, 15},
        {0xC6336400L, 24}, {0xCB007100L, 24}, {0xF0000000L, 4}, {0xFFFFFFFFL, 32}};

    static long parse(String dotted) {
      long v = 0;
      for (String part : dotted.split("\\.", -1)) {
        v = (v << 8) | Integer.parseInt(part);
      }
      return v;
    }

    static boolean isPublic(long ip) {
      if (ip == 0xC0000009L || ip == 0xC000000AL) {
        return true; // 192.0.0.9 and .10 are global anycast within 192.0.0.0/24
      }
      for (long[] block : NOT_GLOBAL) {
        long mask = (0xFFFFFFFFL << (32 - block[1])) & 0xFFFFFFFFL;
        if ((ip & mask) == block[0]) {
          return false;
        }
      }
      return true;
    }
  }

  /** A parsed IPv6 address as eight 16-bit groups. */
  record Ipv6(int[] groups) {

    /** Parses full or "::"-compressed notation, with an optional trailing dotted IPv4; null if invalid. */
    static Ipv6 parse(String s) {
      int[] groups = new int[8];
      String head = s;
      String tail = "";
      int dc = s.indexOf("::");
      if (dc >= 0) {
        if (s.indexOf("::", dc + 1) >= 0) {
          return null;
        }
        head = s.substring(0, dc);
        tail = s.substring(dc + 2);
      }
      int[] h = groupsOf(head, dc < 0);
      int[] t = groupsOf(tail, true);
      if (h == null || t == null) {
        return null;
      }
      int total = h.length + t.length;
      if (dc < 0 ? total != 8 : total > 7) {
        return null;
      }
      System.arraycopy(h, 0, groups, 0, h.length);
      System.arraycopy(t, 0, groups, 8 - t.length, t.length);
      return new Ipv6(groups);
    }

    private static int[] groupsOf(String part, boolean mayEndWithIpv4) {
      if (part.isEmpty()) {
        return new int[0];
      }
      String[] pieces = part.split(":", -1);
      boolean v4 = pieces[pieces.length - 1].indexOf('.') >= 0;
      int[] out = new int[pieces.length + (v4 ? 1 : 0)];
      for (int i = 0; i < pieces.length; i++) {
        String p = pieces[i];
        if (v4 && i == pieces.length - 1) {
          if (!mayEndWithIpv4 || !IPV4.matcher(p).matches()) {
            return null;
          }
          long ip = Ipv4.parse(p);
          out[i] = (int) (ip >>> 16);
          out[i + 1] = (int) (ip & 0xFFFF);
        } else {
          if (p.isEmpty() || p.length() > 4) {
            return null;
          }
          try {
            out[i] = Integer.parseInt(p, 16);
          } catch (NumberFormatException e) {
            return null;
          }
        }
      }
      return out;
    }

    /**
     * Global unicast (2000::/3) outside documentation (2001:db8::/32, 3fff::/20), the IETF protocol block
     * (2001::/23) and 6to4 (2002::/16); an IPv4-mapped address (::ffff:a.b.c.d) follows its IPv4 address.
     */
    boolean isPublic() {
      int g0 = groups[0];
      if (g0 == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 && groups[4] == 0 && groups[5] == 0xFFFF) {
        return Ipv4.isPublic(((long) groups[6] << 16) | groups[7]);
      }
      if ((g0 & 0xE000) != 0x2000) {
        return false;
      }
      if (g0 == 0x2001 && (groups[1] == 0x0DB8 || groups[1] < 0x0200)) {
        return false;
      }
      return g0 != 0x2002 && (g0 & 0xFFF0) != 0x3FF0;
    }
  }
}
