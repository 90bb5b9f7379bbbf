package io.llmforge.pipeline.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigTest {

  private static Path write(Path dir, String text) throws IOException {
    return Files.writeString(dir.resolve("my.conf"), text);
  }

  @Test
  void defaultsComeFromThePackagedConfFile() {
    ConfigReader c = JobConfig.load("clean", List.of("clean"), List.of(), List.of());
    assertEquals(0.65, c.doubleIn("clean.language.min-score", 0, 1));
    assertEquals(16L << 20, c.bytesIn("clean.max-page-bytes", 1, Long.MAX_VALUE));
    assertEquals("local[*]", c.string("llmforge.spark.master"));
  }

  @Test
  void fileThenSetOverridesWin(@TempDir Path dir) throws IOException {
    Path file = write(dir, "clean.language.min-score = 0.5\nclean.output = /tmp/x\n");
    ConfigReader c = JobConfig.load("clean", List.of("clean"), List.of(file),
        List.of("clean.language.min-score=0.9", "clean.input=[a, b]", "clean.output=s3a://bucket/some path"));
    assertEquals(0.9, c.doubleIn("clean.language.min-score", 0, 1));
    assertEquals(List.of("a", "b"), c.strings("clean.input"));
    assertEquals("s3a://bucket/some path", c.string("clean.output"));
  }

  @Test
  void unknownKeyNamesTheKeyTheFileAndASuggestion(@TempDir Path dir) throws IOException {
    Path file = write(dir, "clean {\n  language {\n    min-scor = 0.5\n  }\n}\n");
    ConfigError e = assertThrows(ConfigError.class,
        () -> JobConfig.load("clean", List.of("clean"), List.of(file), List.of()));
    assertTrue(e.getMessage().contains("my.conf: 3"), e.getMessage());
    assertTrue(e.getMessage().contains("clean.language.min-scor"), e.getMessage());
    assertTrue(e.getMessage().contains("did you mean 'clean.language.min-score'"), e.getMessage());
  }

  @Test
  void unknownKeyFromSetNamesTheOverride() {
    ConfigError e = assertThrows(ConfigError.class,
        () -> JobConfig.load("clean", List.of("clean"), List.of(), List.of("clean.nope=1")));
    assertTrue(e.getMessage().contains("--set clean.nope=1"), e.getMessage());
  }

  @Test
  void wrongTypeAndOutOfRangeNameKeyAndFile(@TempDir Path dir) throws IOException {
    Path file = write(dir, "clean.language.min-score = high\nclean.max-read-tasks = -3\n");
    ConfigReader c = JobConfig.load("clean", List.of("clean"), List.of(file), List.of());
    ConfigError type = assertThrows(ConfigError.class, () -> c.doubleIn("clean.language.min-score", 0, 1));
    assertTrue(type.getMessage().contains("my.conf: 1") && type.getMessage().contains("clean.language.min-score"),
        type.getMessage());
    ConfigError range = assertThrows(ConfigError.class, () -> c.intIn("clean.max-read-tasks", 1, 100));
    assertTrue(range.getMessage().contains("my.conf: 2") && range.getMessage().contains("must be in [1, 100]"),
        range.getMessage());
  }

  @Test
  void missingFileAndSyntaxErrorsAreConfigErrors(@TempDir Path dir) throws IOException {
    assertThrows(ConfigError.class,
        () -> JobConfig.load("clean", List.of("clean"), List.of(dir.resolve("absent.conf")), List.of()));
    Path broken = write(dir, "clean { language = ");
    ConfigError e = assertThrows(ConfigError.class,
        () -> JobConfig.load("clean", List.of("clean"), List.of(broken), List.of()));
    assertTrue(e.getMessage().contains("my.conf"), e.getMessage());
  }

  @Test
  void otherJobsSectionsInASharedFileAreLeftToThem(@TempDir Path dir) throws IOException {
    Path file = write(dir, "clean.output = /tmp/x\ndedup.anything = 1\n");
    ConfigReader c = JobConfig.load("clean", List.of("clean"), List.of(file), List.of());
    assertEquals("/tmp/x", c.requiredString("clean.output"));
  }

  @Test
  void requiredStringRejectsEmpty() {
    ConfigReader c = JobConfig.load("clean", List.of("clean"), List.of(), List.of());
    ConfigError e = assertThrows(ConfigError.class, () -> c.requiredString("clean.output"));
    assertTrue(e.getMessage().contains("clean.output is required"), e.getMessage());
  }
}
