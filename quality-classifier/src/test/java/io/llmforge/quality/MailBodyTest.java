package io.llmforge.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MailBodyTest {

  @Test
  void dropsHeadersUpToTheFirstBlankLine() {
    assertEquals("Hello Bob,\n\nsee you.", MailBody.of("From: a@b.c\nSubject: hi\n\nHello Bob,\n\nsee you."));
    assertEquals("Body", MailBody.of("From: a@b.c\r\nSubject: hi\r\n\r\nBody"));
  }

  @Test
  void aMessageWithoutBlankLineIsKeptWhole() {
    assertEquals("just text", MailBody.of("just text"));
  }
}
