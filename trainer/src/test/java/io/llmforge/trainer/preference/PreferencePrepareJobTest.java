package io.llmforge.trainer.preference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.preference.PreferencePairs.Pair;
import io.llmforge.trainer.reward.DemoPreferences;
import io.llmforge.trainer.sft.SftFixtures;
import io.llmforge.trainer.sft.TestTokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreferencePrepareJobTest {
  static final Path SHARED = Path.of("../../shared/data/preference");

  static PreferencePrepareSettings settings(List<Path> input, Path base, Path out, String... more) {
    List<String> o = new ArrayList<>(List.of(
        "pref-prepare.input=[" + String.join(",", input.stream().map(p -> "\"" + p + "\"").toList()) + "]",
        "pref-prepare.base=\"" + base + "\"", "pref-prepare.output=\"" + out + "\"", "pref-prepare.overwrite=true",
        "pref-prepare.output-partitions=1"));
    o.addAll(List.of(more));
    return PreferencePrepareSettings.from(JobConfig.load("pref-prepare", List.of("pref-prepare"), List.of(), o));
  }

  @Test
  void generatedPairsAreRenderedSplitByPromptAndBrokenRowsKeptWithTheirReason(@TempDir Path dir) throws Exception {
    Path base = SftFixtures.base(dir);
    Path in = DemoPreferences.write(dir.resolve("in/a.jsonl"), 200, 1, Instant.parse("2026-11-01T00:00:00Z"), false);
    Path out = dir.resolve("prefs");
    JobStats stats = PreferencePrepareJob.run(SftFixtures.spark(), settings(List.of(in), base, out));
    assertEquals(204L, stats.get("input_rows"));
    assertEquals(DemoPreferences.BROKEN, ((Number) stats.get("rejected")).intValue());
    assertEquals(Map.of("identical_answers", 1L, "empty_answer", 1L, "bad_created_at", 1L, "invalid_json", 1L),
        stats.get("rejects_by_reason"));
    PreferenceManifest m = PreferenceManifest.read(new Configuration(), out.toString());
    assertEquals(200, m.split("train").rows() + m.split("val").rows());
    assertTrue(m.split("val").rows() > 20 && m.split("val").rows() < 70, "about 20% held out: " + m.split("val"));
    assertEquals(Instant.parse("2026-11-01T00:00:00Z").toEpochMilli(), m.split("train").oldestCreatedAt()
        > 0 ? Math.min(m.split("train").oldestCreatedAt(), m.split("val").oldestCreatedAt()) : -1);
    assertEquals(1, m.inputs().size());
    assertEquals(204, m.inputs().get(0).rows());
    assertEquals(200, m.inputs().get(0).kept());
    assertEquals(64, m.inputs().get(0).sha256().length());

    List<Pair> train = PreferencePairs.load(new Configuration(), out.toString(), m, "train");
    var template = TestTokenizers.template();
    for (Pair p : train) {
      assertEquals(template.endId(), p.chosen()[p.chosen().length - 1], "each row ends with <|end|>");
      assertEquals(template.endId(), p.rejected()[p.rejected().length - 1]);
      for (int i = 0; i < p.promptTokens(); i++) {
        assertEquals(p.chosen()[i], p.rejected()[i], "both rows share the prompt");
      }
      assertTrue(p.chosenText().contains(DemoPreferences.MARKER));
    }
    // the same prompt always lands on the same side, wherever it sits
    JobStats again = PreferencePrepareJob.run(SftFixtures.spark(), settings(List.of(in), base, dir.resolve("b")));
    assertEquals(stats.get("val_pairs"), again.get("val_pairs"));
    List<Row> rejects = SftFixtures.spark().read().parquet(out.resolve("rejects").toString()).collectAsList();
    assertEquals(4, rejects.size());
  }

  @Test
  void rowsWithoutCreatedAtTakeTheirFilesTime(@TempDir Path dir) throws Exception {
    Path base = SftFixtures.base(dir);
    Path in = dir.resolve("in/plain.jsonl");
    Files.createDirectories(in.getParent());
    Files.writeString(in, "{\"prompt\": \"Q\", \"chosen\": \"good\", \"rejected\": \"bad\"}\n");
    Files.setLastModifiedTime(in, java.nio.file.attribute.FileTime.from(Instant.parse("2026-10-10T10:10:10Z")));
    Path out = dir.resolve("prefs");
    PreferencePrepareJob.run(SftFixtures.spark(), settings(List.of(in), base, out, "pref-prepare.val-fraction=0"));
    PreferenceManifest m = PreferenceManifest.read(new Configuration(), out.toString());
    assertEquals(Instant.parse("2026-10-10T10:10:10Z").toEpochMilli(), m.split("train").newestCreatedAt());
  }

  @Test
  void realHhRlhfAndLlamaFactorySetsLoseNoGoodRow(@TempDir Path dir) throws Exception {
    assumeTrue(Files.isDirectory(SHARED), "../shared/data/preference is absent: skipping the real-data test");
    Path base = SftFixtures.base(dir.resolve("base"), TestTokenizers.tiny());
    List<Path> inputs = List.of(SHARED.resolve("hh-rlhf-harmless-base-test.jsonl.gz"),
        SHARED.resolve("llamafactory-dpo_en_demo.json"), SHARED.resolve("llamafactory-kto_en_demo.json"));
    Path out = dir.resolve("prefs");
    JobStats stats = PreferencePrepareJob.run(SftFixtures.spark(), settings(inputs, base, out));
    long in = ((Number) stats.get("input_rows")).longValue();
    assertEquals(2312 + 300 + 300, in, "every row of the three files is accounted for");
    PreferenceManifest m = PreferenceManifest.read(new Configuration(), out.toString());
    Map<String, Long> reasons = ((Map<?, ?>) stats.get("rejects_by_reason")).entrySet().stream().collect(
        Collectors.toMap(e -> (String) e.getKey(), e -> ((Number) e.getValue()).longValue()));
    long tooLong = reasons.getOrDefault("too_long", 0L);
    long kept = m.split("train").rows() + m.split("val").rows() + m.split("unpaired").rows();
    assertEquals(in, kept + ((Number) stats.get("rejected")).longValue());
    assertTrue(m.split("unpaired").rows() > 0, "KTO rows are kept as unpaired rows");
    // with a block of 128 ids many long dialogues do not fit; everything else must be kept
    assertEquals(0, reasons.keySet().stream().filter(r -> !Map.of("too_long", 1, "identical_answers", 1,
        "empty_answer", 1, "malformed_dialogue", 1, "empty_turn", 1).containsKey(r)).count(), reasons.toString());
    assertTrue(tooLong < in, reasons.toString());
    Map<String, Integer> perFile = new HashMap<>();
    for (PreferenceManifest.InputFile f : m.inputs()) {
      perFile.put(Path.of(f.file()).getFileName().toString(), (int) f.rows());
    }
    assertEquals(2312, perFile.get("hh-rlhf-harmless-base-test.jsonl.gz"));
  }

  /** Too long: rejected by default; with truncate, cut as TRL does, counted, and refused by rm-train. */
  @Test
  void truncateCutsWhatDoesNotFitAndTheRewardModelRefusesIt(@TempDir Path dir) throws Exception {
    Path base = SftFixtures.base(dir); // block 128
    Path in = dir.resolve("in/long.jsonl");
    Files.createDirectories(in.getParent());
    String longPrompt = "tell me ".repeat(200) + "now";
    Files.writeString(in, "{\"prompt\": \"" + longPrompt + "\", \"chosen\": \"" + "yes ".repeat(150)
        + "\", \"rejected\": \"" + "no ".repeat(150) + "\"}\n{\"prompt\": \"Q\", \"chosen\": \"good\", "
        + "\"rejected\": \"bad\"}\n");
    JobStats strict = PreferencePrepareJob.run(SftFixtures.spark(), settings(List.of(in), base, dir.resolve("strict"),
        "pref-prepare.val-fraction=0"));
    assertEquals(1L, ((Number) strict.get("rejected")).longValue(), strict.toJson());
    Path out = dir.resolve("cut");
    JobStats cut = PreferencePrepareJob.run(SftFixtures.spark(), settings(List.of(in), base, out,
        "pref-prepare.val-fraction=0", "pref-prepare.truncate=true"));
    assertEquals(0L, ((Number) cut.get("rejected")).longValue(), cut.toJson());
    assertEquals(1L, ((Number) cut.get("truncated_rows")).longValue(), cut.toJson());
    PreferenceManifest m = PreferenceManifest.read(new Configuration(), out.toString());
    assertEquals(1, m.split("train").truncated());
    List<PreferencePairs.Pair> pairs = PreferencePairs.load(new Configuration(), out.toString(), m, "train");
    PreferencePairs.Pair longOne = pairs.stream().filter(p -> p.chosenText().startsWith("yes")).findFirst()
        .orElseThrow();
    assertEquals(128, longOne.chosen().length, "filled to the block");
    assertEquals(64, longOne.promptTokens(), "the prompt cut to half the block");
    io.llmforge.trainer.sft.ChatTemplate template = new io.llmforge.trainer.sft.ChatTemplate(
        io.llmforge.pipeline.tokenizer.TokenizerJson.read(Files.readAllBytes(out.resolve("tokenizer.json"))));
    int[] whole = template.prompt(List.of(new io.llmforge.trainer.sft.Message("user", longPrompt)));
    assertEquals(whole[0], longOne.chosen()[0], "the role marker stays first");
    assertTrue(java.util.Arrays.equals(whole, whole.length - 63, whole.length, longOne.chosen(), 1, 64),
        "the end of the prompt, nearest the answer, stays");
    IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> io.llmforge.trainer.reward.RewardTrainJob.checkInputs(new Configuration(), null, out.toString(),
            base.toString()));
    assertTrue(e.getMessage().contains("truncate"), e.getMessage());
  }
}
