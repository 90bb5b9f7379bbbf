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

  @Test
  void bestOfNAndTheJudgeCheckTheirConfigurationBeforeAnyWork(@TempDir Path dir) throws IOException {
    int[] code = new int[1];
    Path conf = Files.writeString(dir.resolve("judge.conf"), "judge {\n  input = [x]\n  output = out\n"
        + "  inbox = inbox\n  backend = checkpoint\n  checkpoint { path = model, constrained = maybe }\n}\n");
    String err = runCapturingErr(code, "judge", "--conf", conf.toString())[0];
    assertEquals(2, code[0], err);
    assertTrue(err.contains("judge.conf: 6") && err.contains("judge.checkpoint.constrained"), err);
    List<String> judge = List.of("judge", "--set", "judge.input=[x]", "--set", "judge.output=\"" + dir.resolve("out")
        + "\"", "--set", "judge.inbox=\"" + dir.resolve("inbox") + "\"");
    err = runCapturingErr(code, plus(judge, "--set", "judge.openai.model=m", "--set", "judge.template=\"{question}\""))[0];
    assertEquals(2, code[0], err);
    assertTrue(err.contains("judge.template") && err.contains("{answer_a}"), err);
    err = runCapturingErr(code, plus(judge))[0];
    assertEquals(2, code[0], err);
    assertTrue(err.contains("judge.openai.model"), err);
    err = runCapturingErr(code, plus(judge, "--set", "judge.backend=checkpoint", "--set",
        "judge.checkpoint.path=\"" + dir.resolve("no-model") + "\""))[0];
    assertEquals(2, code[0], err);
    assertTrue(err.contains("judge.checkpoint.path") && err.contains("no-model"), err);

    List<String> best = List.of("best-of-n", "--set", "best-of-n.input=[x]", "--set", "best-of-n.output=\""
        + dir.resolve("best") + "\"", "--set", "best-of-n.reward-model=\"" + dir + "\"");
    err = runCapturingErr(code, plus(best, "--set", "best-of-n.policy=\"" + dir + "\"", "--set", "best-of-n.n=0"))[0];
    assertEquals(2, code[0], err);
    assertTrue(err.contains("best-of-n.n") && err.contains("--set"), err);
    err = runCapturingErr(code, plus(best, "--set", "best-of-n.policy=\"" + dir.resolve("nope") + "\""))[0];
    assertEquals(2, code[0], err);
    assertTrue(err.contains("best-of-n.policy") && err.contains("not a folder"), err);
    assertTrue(!Files.exists(dir.resolve("out")) && !Files.exists(dir.resolve("best")), "nothing was written");
  }

  @Test
  void generateBestOfNPrintsTheRewardModelsFavourite(@TempDir Path dir) throws IOException {
    Path base = TinyModels.base(dir.resolve("model"));
    Path rm = TinyModels.rewardModel(dir.resolve("rm"), base);
    int[] code = new int[1];
    String err = runCapturingErr(code, "generate", "--checkpoint", base.toString(), "--best-of", "3", "--prompt",
        "Say hello to Grace.")[0];
    assertEquals(2, code[0], "--best-of needs --reward-model: " + err);
    assertTrue(err.contains("--reward-model"), err);

    PrintStream stdout = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      runCapturingErr(code, "generate", "--checkpoint", base.toString(), "--reward-model", rm.toString(),
          "--best-of", "3", "--prompt", "Say hello to Grace.", "--max-new-tokens", "6", "--show-all");
    } finally {
      System.setOut(stdout);
    }
    String printed = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code[0], printed);
    List<String> lines = printed.lines().toList();
    assertEquals(3, lines.stream().filter(l -> l.matches("[* ] #\\d  reward [+-]\\d+\\.\\d{4}  .*")).count(), printed);
    assertEquals(1, lines.stream().filter(l -> l.startsWith("* #")).count(), "one is chosen: " + printed);
    assertTrue(lines.get(lines.size() - 1).startsWith("(best of 3: reward "), printed);
  }

  private static String[] plus(List<String> args, String... more) {
    List<String> all = new java.util.ArrayList<>(args);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }
}
