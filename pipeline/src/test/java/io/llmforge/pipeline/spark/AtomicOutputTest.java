package io.llmforge.pipeline.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicOutputTest {
  private final Configuration conf = new Configuration();

  @Test
  void nothingIsVisibleAtTheTargetUntilCommit(@TempDir Path dir) throws IOException {
    Path target = dir.resolve("out");
    AtomicOutput out = AtomicOutput.begin(conf, target.toString(), false);
    Files.writeString(Path.of(java.net.URI.create(out.stagingPath("part.txt"))), "data");
    assertFalse(Files.exists(target), "a killed job leaves no target behind");
    out.commit("{\"n\": 1}");
    assertTrue(AtomicOutput.isComplete(conf, target.toString()));
    assertEquals("data", Files.readString(target.resolve("part.txt")));
    assertEquals("{\"n\": 1}", Files.readString(target.resolve("stats.json")));
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(1, left.count(), "staging folder is gone");
    }
  }

  @Test
  void refusesToOverwriteUnlessAsked(@TempDir Path dir) throws IOException {
    Path target = dir.resolve("out");
    AtomicOutput first = AtomicOutput.begin(conf, target.toString(), false);
    first.commit("{}");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> AtomicOutput.begin(conf, target.toString(), false));
    assertTrue(e.getMessage().contains("--overwrite"));
    AtomicOutput second = AtomicOutput.begin(conf, target.toString(), true);
    Files.writeString(Path.of(java.net.URI.create(second.stagingPath("new.txt"))), "v2");
    second.commit("{\"v\": 2}");
    assertTrue(Files.exists(target.resolve("new.txt")));
    assertEquals("{\"v\": 2}", Files.readString(target.resolve("stats.json")));
  }

  @Test
  void abortLeavesTheOldOutputAlone(@TempDir Path dir) throws IOException {
    Path target = dir.resolve("out");
    AtomicOutput.begin(conf, target.toString(), false).commit("{\"v\": 1}");
    AtomicOutput failed = AtomicOutput.begin(conf, target.toString(), true);
    failed.abort();
    assertEquals("{\"v\": 1}", Files.readString(target.resolve("stats.json")));
  }

  @Test
  void aFolderThatIsNotAFinishedOutputIsNotClobbered(@TempDir Path dir) throws IOException {
    Path target = Files.createDirectories(dir.resolve("someone-elses"));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> AtomicOutput.begin(conf, target.toString(), false));
    assertTrue(e.getMessage().contains("not a finished llmforge output"));
  }
}
