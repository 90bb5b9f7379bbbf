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
}
