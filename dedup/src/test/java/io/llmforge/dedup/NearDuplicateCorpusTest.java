package io.llmforge.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.document.Document;
import java.util.List;
import org.junit.jupiter.api.Test;

class NearDuplicateCorpusTest {
  private final NearDuplicateCorpus corpus = NearDuplicateCorpus.of(TestCorpora.synthetic(200, 2),
      new NearDuplicateCorpus.Spec(2, 40, 120, 0.3, 0.5, 1.0, 5));

  @Test
  void documentsDependOnlyOnSeedAndIndex() {
    List<Document> all = corpus.documents(300);
    NearDuplicateCorpus again = NearDuplicateCorpus.of(TestCorpora.synthetic(200, 2), corpus.spec());
    for (long i = 299; i >= 0; i -= 7) {
      assertEquals(all.get((int) i), again.document(i), "document " + i);
    }
    assertEquals("doc-0000000042", all.get(42).docId());
    assertEquals(42, NearDuplicateCorpus.indexOf(all.get(42).docId()));
  }

  @Test
  void plantedCopiesHitTheirTargetSimilarity() {
    int planted = 0;
    for (long i = 0; i < 400; i++) {
      var p = corpus.planted(i);
      if (p.isPresent()) {
        planted++;
        assertTrue(p.get().base() < i);
        double target = p.get().target();
        double achieved = p.get().achieved();
        if (target > 0.97) {
          assertEquals(1.0, achieved, 1e-12, "case-only copy");
        } else {
          assertTrue(achieved <= target + 1e-12 && achieved >= target - 0.03 - 1e-12,
              "target " + target + " got " + achieved);
        }
      }
    }
    assertTrue(planted > 80 && planted < 160, planted + " planted of 400 at 30%");
  }

  @Test
  void documentsCarryTheContractFields() {
    Document d = corpus.document(7);
    assertEquals(d.text().length(), d.numChars());
    assertTrue(d.numWords() >= 40 - 10);
    assertTrue(d.url().startsWith("https://"));
    assertEquals(40, d.contentSha1().length());
    assertTrue(corpus.naturalChunks() > 0);
  }

  @Test
  void beyondTheNaturalChunksComeSentenceMixes() {
    long beyond = corpus.naturalChunks() + 5;
    Document d = corpus.document(beyond);
    assertTrue(d.numWords() >= 40, d.text());
  }
}
