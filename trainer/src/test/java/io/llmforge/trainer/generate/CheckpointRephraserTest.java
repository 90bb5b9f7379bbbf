package io.llmforge.trainer.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.rephrase.RephraseJob;
import io.llmforge.pipeline.rephrase.RephraseSettings;
import io.llmforge.pipeline.shards.TestDocuments;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.sft.SftFixtures;
import io.llmforge.trainer.sft.SftPrepareJob;
import io.llmforge.trainer.sft.SftTraining;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rephrase.backend = checkpoint: the real rephrase job in Spark, rewrites made by a tiny SFT model in each task. */
class CheckpointRephraserTest {
  static final String ANSWER = "Fine.";

  @TempDir
  static Path dir;
  static Path model;

  /** A tiny SFT model that answers every short text with the same sentence and stops. */
  @BeforeAll
  static void fineTune() throws Exception {
    Path base = SftFixtures.base(dir);
    String[][] pairs = new String[40][];
    for (int i = 0; i < pairs.length; i++) {
      pairs[i] = new String[] {"text number " + i + " about bees", ANSWER};
    }
    Path data = dir.resolve("sft-data");
    SftPrepareJob.run(SftFixtures.spark(), SftFixtures.prepare(List.of(SftFixtures.messages(dir.resolve(
        "chats/a.jsonl"), pairs)), base, data));
    model = dir.resolve("sft");
    SftTraining.run(SftFixtures.sft(data, base, model, 100), new Configuration(),
        new PrintStream(new ByteArrayOutputStream()));
  }

  static RephraseSettings settings(Path input, Path output) {
    List<String> o = new ArrayList<>(List.of("rephrase.input=[\"" + input + "\"]", "rephrase.output=\"" + output
        + "\"", "rephrase.fraction=1.0", "rephrase.backend=checkpoint", "rephrase.checkpoint.path=\"" + model + "\"",
        "rephrase.checkpoint.temperature=0", "rephrase.checkpoint.max-tokens=16", "rephrase.system-prompt=\"\"",
        "rephrase.custom-prompts.plain=\"{text}\"", "rephrase.styles=[plain]", "rephrase.parallelism=2"));
    return RephraseSettings.from(JobConfig.load("rephrase", List.of("rephrase"), List.of(), o));
  }

  @Test
  void theRephraseJobRewritesWithAnInProcessCheckpoint() throws Exception {
    List<TestDocuments.Doc> docs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      docs.add(TestDocuments.Doc.of("d" + i, "web", "text number " + (100 + i) + " about bees"));
    }
    docs.add(TestDocuments.Doc.of("long", "web", "a long text about bees and more bees ".repeat(20)));
    Path input = dir.resolve("docs");
    TestDocuments.write(SftFixtures.spark(), input.toString(), docs, false, false, 1);
    Path output = dir.resolve("rephrased");
    JobStats stats = RephraseJob.run(SftFixtures.spark(), settings(input, output), CheckpointRephraser.BACKENDS);
    Map<?, ?> counters = (Map<?, ?>) stats.get("backend_counters");
    assertEquals(1L, ((Number) counters.get("failed_too_long")).longValue(), "the long one leaves no room: " + stats);
    assertEquals(5L, ((Number) counters.get("ok")).longValue(), "the model stops on the short ones: " + stats);
    List<Row> rows = SftFixtures.spark().read().parquet(output.resolve("documents").toString()).collectAsList();
    assertEquals(6 + 5, rows.size(), "every original row, plus one rewrite per short document");
    long rewrites = rows.stream().filter(r -> !r.isNullAt(r.fieldIndex("rephrase_of"))).count();
    assertEquals(5, rewrites);
    List<String> texts = rows.stream().filter(r -> !r.isNullAt(r.fieldIndex("rephrase_of")))
        .map(r -> r.getString(r.fieldIndex("text"))).toList();
    assertTrue(texts.stream().allMatch(ANSWER::equals), "the model's answer is the rewrite: " + texts);
  }

  @Test
  void withoutTheTrainersBackendsTheJobSaysWhereToRunIt() throws Exception {
    Path input = dir.resolve("one");
    TestDocuments.write(SftFixtures.spark(), input.toString(), List.of(TestDocuments.Doc.of("x", "web", "bees")),
        false, false, 1);
    Exception e = assertThrows(Exception.class, () -> RephraseJob.run(SftFixtures.spark(), settings(input,
        dir.resolve("nope"))));
    String all = String.valueOf(e.getMessage()) + (e.getCause() == null ? "" : e.getCause().getMessage());
    assertTrue(all.contains("needs the trainer's generation code"), all);
  }
}
