package io.llmforge.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's contract: exit codes and messages that name the problem. */
class LlmforgeCliTest {

  private static String[] runCapturingErr(int[] code, String... args) {
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      code[0] = Llmforge.run(args);
    } finally {
      System.setErr(original);
    }
    return new String[] {err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void unknownKeyInAFileFailsWithExitTwoNamingKeyAndFile(@TempDir Path dir) throws IOException {
    Path conf = Files.writeString(dir.resolve("bad.conf"), "clean {\n  output = /tmp/x\n  min-char = 3\n}\n");
    int[] code = new int[1];
    String err = runCapturingErr(code, "clean", "--conf", conf.toString())[0];
    assertEquals(2, code[0], err);
    assertTrue(err.contains("bad.conf: 3") && err.contains("clean.min-char") && err.contains("clean.min-chars"), err);
  }

  @Test
  void outOfRangeValueFailsBeforeAnyWork(@TempDir Path dir) {
    int[] code = new int[1];
    String err = runCapturingErr(code, "clean", "--set", "clean.input=[\"" + dir + "\"]",
        "--set", "clean.output=" + dir.resolve("out"), "--set", "clean.language.min-score=1.5")[0];
    assertEquals(2, code[0], err);
    assertTrue(err.contains("clean.language.min-score") && err.contains("--set"), err);
    assertTrue(!Files.exists(dir.resolve("out")), "nothing was written");
  }

  @Test
  void missingInputIsAConfigurationError(@TempDir Path dir) {
    int[] code = new int[1];
    String err = runCapturingErr(code, "clean", "--set", "clean.input=[\"" + dir.resolve("nope") + "\"]",
        "--set", "clean.output=" + dir.resolve("out"))[0];
    assertEquals(2, code[0], err);
    assertTrue(err.contains("input not found"), err);
  }

  @Test
  void unknownCommandIsAUsageError() {
    int[] code = new int[1];
    runCapturingErr(code, "no-such-job");
    assertEquals(2, code[0]);
  }

  @Test
  void chatAnswersOnceOrInAReplThatKeepsGoingUntilExit(@TempDir Path dir) throws IOException {
    Path base = TinyModels.base(dir.resolve("model"));
    PrintStream stdout = System.out;
    java.io.InputStream stdin = System.in;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      assertEquals(0, Llmforge.run("chat", "--checkpoint", base.toString(), "--prompt", "Who are you?",
          "--max-new-tokens", "6", "--temperature", "0"));
      String once = out.toString(StandardCharsets.UTF_8);
      assertEquals(1, once.lines().count(), "one answer, streamed on one line: " + once);
      out.reset();
      System.setIn(new java.io.ByteArrayInputStream("hello\n/reset\nagain\n/exit\n".getBytes()));
      assertEquals(0, Llmforge.run("chat", "--checkpoint", base.toString(), "--max-new-tokens", "4"));
      String repl = out.toString(StandardCharsets.UTF_8);
      assertEquals(2, repl.split("model> ", -1).length - 1, "two answers: " + repl);
      assertTrue(repl.contains("(conversation forgotten)"), repl);
    } finally {
      System.setOut(stdout);
      System.setIn(stdin);
    }
  }

  @Test
  void aFailingCommandSaysWhatFailedInOneLineAndTheTraceOnlyWithVerbose(@TempDir Path dir) {
    int[] code = new int[1];
    String err = runCapturingErr(code, "chat", "--checkpoint", dir.resolve("nothing").toString(), "--prompt",
        "hi")[0];
    assertEquals(1, code[0], err);
    List<String> lines = err.strip().lines().toList();
    assertTrue(lines.get(0).startsWith("llmforge chat failed: ") && lines.get(0).contains("nothing"), err);
    assertEquals(2, lines.size(), "the failure and where its stack trace is: " + err);
    assertTrue(lines.get(1).contains("--verbose"), err);
    assertFalse(err.contains("\tat "), "no stack trace without --verbose: " + err);
    err = runCapturingErr(code, "chat", "--verbose", "--checkpoint", dir.resolve("nothing").toString(), "--prompt",
        "hi")[0];
    assertEquals(1, code[0], err);
    assertTrue(err.contains("\tat io.llmforge."), "--verbose prints the stack trace: " + err);
  }

  @Test
  void aFailureIsTheMessageUnderSparksWrappersOrWhereABugWasThrown() {
    Exception task = new IllegalStateException("dpo: 3 pairs of /data have identical answers");
    Exception wrapped = new org.apache.spark.SparkException("Job aborted due to stage failure: Task 0 in stage 2.0 "
        + "failed 1 times, most recent failure: " + task, task);
    assertEquals("dpo: 3 pairs of /data have identical answers", Failure.oneLine(wrapped));
    Exception io = new java.io.UncheckedIOException("cannot read /x/manifest.json",
        new java.io.IOException("No such file or directory"));
    assertEquals("cannot read /x/manifest.json: No such file or directory", Failure.oneLine(io));
    NullPointerException bug = new NullPointerException();
    bug.setStackTrace(new StackTraceElement[] {new StackTraceElement("io.llmforge.jobs.Flow", "run", "Flow.java",
        42)});
    assertTrue(Failure.oneLine(bug).startsWith("NullPointerException at Flow.run:42: a bug"), Failure.oneLine(bug));
  }

  @Test
  void sparkProgressLinesShowTasksAndAnEta() {
    assertEquals("[##########----------] llmforge-clean job 3: 20/40 tasks (parquet at CleanJob.java:88) | 0m30s, "
        + "eta 0m30s", io.llmforge.pipeline.spark.SparkProgress.format("llmforge-clean", 3, 20, 40,
        "parquet at CleanJob.java:88", 30));
  }

  @Test
  void exportWritesAHuggingFaceFolderAndSaysInOneLineWhyNot(@TempDir Path dir) throws IOException {
    Path base = TinyModels.base(dir.resolve("model"));
    Path out = dir.resolve("hf");
    int[] code = new int[1];
    String err = runCapturingErr(code, "export", "--checkpoint", base.toString(), "--output", out.toString())[0];
    assertEquals(0, code[0], err);
    assertTrue(Files.isRegularFile(out.resolve("model.safetensors")) && Files.isRegularFile(out.resolve("config.json"))
        && Files.isRegularFile(out.resolve("tokenizer.json")), "the folder is written");
    err = runCapturingErr(code, "export", "--checkpoint", base.toString(), "--output", out.toString())[0];
    assertEquals(2, code[0], err);
    assertEquals(1, err.strip().lines().count(), "one line: " + err);
    assertTrue(err.startsWith("export: ") && err.contains("--force"), err);
    err = runCapturingErr(code, "export", "--checkpoint", base.toString(), "--output", out.toString(), "--force")[0];
    assertEquals(0, code[0], err);
    err = runCapturingErr(code, "export", "--checkpoint", base.toString(), "--output", out.toString(),
        "--format", "onnx")[0];
    assertEquals(2, code[0], err);
    assertTrue(err.contains("--format onnx"), err);
  }

  @Test
  void rmRetrainChecksItsConfigurationAndWatchPeriodBeforeAnyWork(@TempDir Path dir) {
    int[] code = new int[1];
    String err = runCapturingErr(code, "rm-retrain", "--set", "rm-train.base=\"" + dir + "\"",
        "--set", "rm-train.output=\"" + dir.resolve("rm") + "\"")[0];
    assertEquals(2, code[0], err);
    assertTrue(err.contains("rm-retrain.input"), err);
    err = runCapturingErr(code, "rm-retrain", "--watch", "soon", "--set", "rm-retrain.input=[\"" + dir + "\"]",
        "--set", "rm-train.base=\"" + dir + "\"", "--set", "rm-train.output=\"" + dir.resolve("rm") + "\"")[0];
    assertEquals(2, code[0], err);
    assertTrue(err.contains("--watch soon"), err);
    assertTrue(!Files.exists(dir.resolve("rm")), "nothing was written");
    assertEquals(java.time.Duration.ofMinutes(90), RmRetrainCommand.period("90m"));
    assertEquals(java.time.Duration.ofHours(1), RmRetrainCommand.period("PT1H"));
  }
}
