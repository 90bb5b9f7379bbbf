package io.llmforge.pipeline.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PiiMaskerTest {

  private static final PiiMasker MASKER = new PiiMasker();
  /** Single replacements make expected texts easy to write. */
  private static final PiiMasker MARKED = new PiiMasker(new PiiMasker.Settings(true, true, true,
      List.of("EMAIL"), List.of("IP"), List.of("IP6")));

  @Test
  void defaultsAreDatatrovesReplacements() {
    PiiMasker.Settings s = PiiMasker.Settings.defaults();
    assertEquals(List.of("email@example.com", "firstname.lastname@example.org"), s.emailReplacements());
    assertEquals(List.of("22.214.171.124", "126.96.36.199", "188.8.131.52", "184.108.40.206", "220.127.116.11",
        "18.104.22.168"), s.ipv4Replacements());
    assertTrue(s.maskEmails() && s.maskIps() && s.onlyPublicIps());
  }

  @Test
  void masksEmailAddressesAndCountsThem() {
    PiiMasker.Masked m = MARKED.mask("Write to jane.doe+news@mail.example.co.uk or JOHN@EXAMPLE.COM, "
        + "not to @handle or user@localhost.");
    assertEquals("Write to EMAIL or EMAIL, not to @handle or user@localhost.", m.text());
    assertEquals(2, m.emails());
    assertEquals(0, m.ips());
    assertEquals("Joe Smith <EMAIL> and EMAIL", MARKED.mask("Joe Smith <joe@example.com> and x@[8.8.8.8]").text());
    // as upstream: an address-like tail of an invalid address is still masked
    assertEquals("email@EMAIL", MARKED.mask("email@example@example.com").text());
  }

  @Test
  void masksPublicIpv4OnlyWithValidOctets() {
    PiiMasker.Masked m = MARKED.mask("hosts 8.8.8.8, 163.36.107.25 and 4.132.211.142; "
        + "private 10.0.0.1, 192.168.1.2, 172.16.0.9, 127.0.0.2; invalid 999.999.999.999, 108.0.0.01, 192.168.l.1, "
        + "912.456.123.123, 0.1.2.3");
    assertEquals("hosts IP, IP and IP; private 10.0.0.1, 192.168.1.2, 172.16.0.9, 127.0.0.2; invalid "
        + "999.999.999.999, 108.0.0.01, 192.168.l.1, 912.456.123.123, 0.1.2.3", m.text());
    assertEquals(3, m.ips());
    PiiMasker all = new PiiMasker(new PiiMasker.Settings(true, true, false, List.of("E"), List.of("IP"),
        List.of("IP6")));
    assertEquals("private IP", all.mask("private 192.168.1.2").text());
    assertEquals("at IP.", MARKED.mask("at 8.8.4.4.").text(), "a sentence-final period is not an octet");
    assertEquals("(IP)", MARKED.mask("(8.8.4.4)").text());
  }

  @Test
  void leavesVersionNumbersAndDatesAlone() {
    for (String s : List.of("version 1.2.3", "v1.2.3.4", "release 1.2.3.4.5", "2024.01.15", "15.01.2024",
        "libfoo-2.34.1.8", "section 3.1.4.1.5", "build 10.0.19041.1", "192.168.1.1.5")) {
      PiiMasker.Masked m = MARKED.mask(s);
      assertEquals(s, m.text(), s);
      assertEquals(0, m.ips(), s);
    }
  }

  @Test
  void masksGlobalIpv6Only() {
    PiiMasker.Masked m = MARKED.mask("dns 2001:4860:4860::8888 and 2606:4700:4700:0:0:0:0:1111; link fe80::1, "
        + "doc 2001:db8::1, loopback ::1, time 12:30:45, mac 00:1a:2b:3c:4d:5e, code std::vector, a::b");
    assertEquals("dns IP6 and IP6; link fe80::1, doc 2001:db8::1, loopback ::1, time 12:30:45, "
        + "mac 00:1a:2b:3c:4d:5e, code std::vector, a::b", m.text());
    assertEquals(2, m.ips());
    assertEquals("mapped IP6", MARKED.mask("mapped ::ffff:8.8.8.8").text());
  }

  @Test
  void replacementsAreDeterministicPerAddress() {
    String text = "a 8.8.8.8 b 8.8.8.8 c 1.1.1.1 d jane@example.net e jane@example.net";
    PiiMasker.Masked first = MASKER.mask(text);
    assertEquals(first, MASKER.mask(text));
    String[] parts = first.text().split(" ");
    assertEquals(parts[1], parts[3], "same address, same replacement");
    assertEquals(parts[7], parts[9]);
    assertTrue(PiiMasker.Settings.defaults().ipv4Replacements().contains(parts[1]));
    assertTrue(PiiMasker.Settings.defaults().emailReplacements().contains(parts[7]));
    assertFalse(first.text().contains("8.8.8.8"));
    assertEquals(2, first.emails());
    assertEquals(3, first.ips());
    // stateless: the same answer from many threads at once
    IntStream.range(0, 200).parallel().forEach(i -> assertEquals(first, MASKER.mask(text)));
  }

  @Test
  void canBeSwitchedOff() {
    PiiMasker none = new PiiMasker(new PiiMasker.Settings(false, false, true, List.of("E"), List.of("I"),
        List.of("I6")));
    String text = "jane@example.net 8.8.8.8";
    assertEquals(new PiiMasker.Masked(text, 0, 0), none.mask(text));
    assertThrows(IllegalArgumentException.class, () -> new PiiMasker.Settings(true, true, true, List.of(),
        List.of("I"), List.of("I6")));
  }

  @Test
  void staysFastOnAddressLikeRuns() {
    String nasty = "a-".repeat(200_000) + "@" + "b.".repeat(200_000) + " " + "1.".repeat(200_000);
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> MASKER.mask(nasty));
  }
}
