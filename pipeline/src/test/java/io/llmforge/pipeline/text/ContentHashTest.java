package io.llmforge.pipeline.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class ContentHashTest {

  @Test
  void caseSpacingAndPunctuationDoNotChangeTheContentHash() {
    assertEquals(ContentHash.contentSha1("Hello, World!\n\nThis is it."),
        ContentHash.contentSha1("hello world   this -- is it"));
    assertNotEquals(ContentHash.contentSha1("hello world"), ContentHash.contentSha1("hello word"));
  }

  @Test
  void emojiAndCjkCount() {
    assertNotEquals(ContentHash.contentSha1("I ❤ it"), ContentHash.contentSha1("I it"));
    assertNotEquals(ContentHash.contentSha1("你好"), ContentHash.contentSha1("您好"));
  }

  @Test
  void docIdDependsOnUrlAndContent() {
    String sha = ContentHash.contentSha1("text");
    assertEquals(32, ContentHash.docId("https://a/", sha).length());
    assertEquals(ContentHash.docId("https://a/", sha), ContentHash.docId("https://a/", sha));
    assertNotEquals(ContentHash.docId("https://a/", sha), ContentHash.docId("https://b/", sha));
    assertNotEquals(ContentHash.docId("https://a/", sha), ContentHash.docId("https://a/", ContentHash.contentSha1("other")));
  }
}
