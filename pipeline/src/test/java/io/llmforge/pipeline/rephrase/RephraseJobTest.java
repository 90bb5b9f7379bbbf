package io.llmforge.pipeline.rephrase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.shards.TestDocuments;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.TestSpark;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RephraseJobTest {
  @TempDir
  static Path dir;
  static SparkSession spark;

  @BeforeAll
  static void setUp() {
    spark = TestSpark.session();
  }

  private static RephraseSettings settings(ChatServer server, String input, String output, double fraction,
      boolean overwrite) {
    BackendSettings backend = new BackendSettings(BackendSettings.Kind.OPENAI, server.endpoint(), "test-model",
        new Secret("sk-test-123"), 0.7, 256, Duration.ofSeconds(10), 3, 0, 3, Duration.ofMillis(1),
        Duration.ofMillis(20), "");
    Map<String, String> templates = RephraseStyle.builtInTemplates();
    List<RephraseStyle> styles = List.of(
        new RephraseStyle("encyclopedic", RephraseStyle.DEFAULT_SYSTEM, templates.get("encyclopedic")),
        new RephraseStyle("qa", RephraseStyle.DEFAULT_SYSTEM, templates.get("qa")));
    return new RephraseSettings(List.of(input), output, overwrite, fraction, 99, styles, 10_000,
        dir.resolve("cache-" + Path.of(input).getFileName()).toString(), 2, 4, 200, backend);
  }

  private static List<TestDocuments.Doc> docs(int n, String failing) {
    List<TestDocuments.Doc> docs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = String.format("d%02d", i);
      String text = id.equals(failing) ? "FAILME please, document " + id : "Document " + id + " about the harbour.";
      docs.add(new TestDocuments.Doc(id, "s.warc", text, null, null));
    }
    return docs;
  }

  private static Map<String, Row> byId(String output) {
    return spark.read().parquet(output + "/" + RephraseJob.DOCUMENTS).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getAs("doc_id"), r -> r));
  }

  @Test
  void rewritesTheChosenFractionThroughRetriesAndKeepsEveryRow() throws Exception {
    String input = dir.resolve("docs-a").toString();
    TestDocuments.write(spark, input, docs(30, null), false, false, 2);
    try (ChatServer server = new ChatServer()) {
      String output = dir.resolve("out-a").toString();
      JobStats stats = RephraseJob.run(spark, settings(server, input, output, 0.5, false));
      List<String> chosen = docs(30, null).stream().map(TestDocuments.Doc::id)
          .filter(id -> RephraseJob.selected(99, id, 0.5)).toList();
      assertTrue(chosen.size() > 5 && chosen.size() < 25, "about half: " + chosen.size());

      Map<String, Row> rows = byId(output);
      assertEquals(30 + 2 * chosen.size(), rows.size());
      assertEquals((long) rows.size(), stats.getLong("output_documents"));
      assertEquals(0L, stats.getLong("failed"));
      assertTrue(server.throttled.get() > 0 && server.serverErrors.get() > 0, "faults were injected and retried");
      for (String id : chosen) {
        Row qa = rows.get(RephraseStyle.rephrasedId("qa", id));
        assertNotNull(qa, "qa rewrite of " + id);
        assertEquals(id, qa.<String>getAs("rephrase_of"));
        assertEquals("test-model says: DOCUMENT " + id.toUpperCase() + " ABOUT THE HARBOUR.", qa.<String>getAs("text"));
        assertEquals(qa.<String>getAs("text").length(), (int) qa.<Integer>getAs("num_chars"));
        assertEquals(rows.get(id).<String>getAs("url"), qa.<String>getAs("url"), "other columns come from the original");
        assertNotNull(rows.get(RephraseStyle.rephrasedId("encyclopedic", id)));
      }
      for (int i = 0; i < 30; i++) {
        String id = String.format("d%02d", i);
        assertNull(rows.get(id).getAs("rephrase_of"), "originals are kept unchanged");
      }
      assertTrue(server.authorizations.stream().allMatch("Bearer sk-test-123"::equals));
      assertFalse(settings(server, input, output, 0.5, false).toString().contains("sk-test-123"), "key never printed");
      assertFalse(stats.toJson().contains("sk-test-123"));
    }
  }

  @Test
  void aKilledOrFailedRunResumesFromTheCacheAndLosesNoRow() throws Exception {
    String input = dir.resolve("docs-b").toString();
    TestDocuments.write(spark, input, docs(6, "d03"), false, false, 1);
    try (ChatServer server = new ChatServer()) {
      server.injectFaults = false;
      String output = dir.resolve("out-b").toString();
      JobStats first = RephraseJob.run(spark, settings(server, input, output, 1.0, false));
      assertEquals(2L, first.getLong("failed"), "both styles of d03 fail after 3 retries");
      assertEquals(6 + 2 * 5, byId(output).size(), "d03 keeps its original row, without rewrites");
      assertEquals(10, server.answeredPrompts.size());

      server.failPermanently = false;
      server.answeredPrompts.clear();
      JobStats second = RephraseJob.run(spark, settings(server, input, output, 1.0, true));
      assertEquals(2, server.answeredPrompts.size(), "only the two missing rewrites are asked for again");
      assertTrue(server.answeredPrompts.stream().allMatch(p -> p.contains("FAILME")));
      assertEquals(10L, second.getLong("answered_from_cache"));
      assertEquals(6 + 2 * 6, byId(output).size());

      int before = server.requests.get();
      RephraseJob.run(spark, settings(server, input, dir.resolve("out-c").toString(), 1.0, false));
      assertEquals(before, server.requests.get(), "everything is cached now");
    }
  }
}
