package io.llmforge.pipeline.filter;

import static io.llmforge.pipeline.filter.SharedTestData.doc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.document.Document;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What the clean job relies on: filters survive Java serialization and can be shared by threads. */
class FilterContractTest {

  private static final String TEXT = "The committee met on Tuesday to discuss the budget for the coming year. "
      + "Members agreed that the library and the swimming pool should be renovated first, with the remaining "
      + "funds set aside for road repairs. A final vote is expected next month, after residents have had a chance "
      + "to comment on the proposal at two public meetings.\nMore details follow in the next issue of the paper.";

  private static List<DocumentFilter> filters() {
    return List.of(new GopherQualityFilter(), new GopherRepetitionFilter(), new C4QualityFilter(),
        new FineWebQualityFilter(), HarmfulContentFilter.load(HarmfulContentFilter.Settings.defaults(),
            HarmfulContentFilter.Opener.localFiles()));
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }

  @Test
  void filtersSurviveSerializationWithTheSameVerdicts() throws Exception {
    Document d = doc("https://www.pornhub.com/x", TEXT);
    for (DocumentFilter f : filters()) {
      DocumentFilter copy = roundTrip(f);
      assertEquals(f.name(), copy.name());
      assertEquals(f.apply(d), copy.apply(d), f.name());
      assertEquals(f.apply(doc(TEXT)), copy.apply(doc(TEXT)), f.name());
    }
    PiiMasker masker = roundTrip(new PiiMasker());
    assertEquals(new PiiMasker().mask("ip 8.8.8.8"), masker.mask("ip 8.8.8.8"));
  }

  @Test
  void filtersAreThreadSafe() {
    List<Document> docs = IntStream.range(0, 64).mapToObj(i -> doc("https://site" + i + ".org/",
        TEXT.repeat(1 + i % 3) + " Number " + i + ".")).toList();
    for (DocumentFilter f : filters()) {
      List<Verdict> sequential = docs.stream().map(f::apply).toList();
      for (int round = 0; round < 5; round++) {
        assertEquals(sequential, docs.parallelStream().map(f::apply).toList(), f.name());
      }
    }
  }

  @Test
  void signalKeysCarryTheFilterName() {
    for (DocumentFilter f : filters()) {
      Verdict v = f.apply(doc(TEXT));
      assertTrue(!v.signals().isEmpty(), f.name());
      v.signals().keySet().forEach(k -> assertTrue(k.startsWith(f.name() + "_"), k));
    }
  }
}
