package io.llmforge.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
  void chatOnAMissingCheckpointFailsWithExitOne(@TempDir Path dir) {
    assertEquals(1, Llmforge.run("chat", "--checkpoint", dir.resolve("nothing").toString(), "--prompt", "hi"));
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
