package io.llmforge.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.spark.JobStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code llmforge demo} end to end at a tiny size, in process, exactly as a user runs it. */
class DemoTest {

  @Test
  void demoRunsEndToEnd(@TempDir Path dir) throws IOException {
    int code = Llmforge.run("demo", "--workdir", dir.toString(), "--set", "demo.pages=30");
    assertEquals(0, code);
    Path clean = dir.resolve("clean");
    assertTrue(Files.exists(clean.resolve("_SUCCESS")));
    Map<String, Object> stats = JobStats.parse(Files.readString(clean.resolve("stats.json")));
    long input = ((Number) stats.get("input")).longValue();
    long documents = ((Number) stats.get("documents")).longValue();
    long rejects = ((Number) stats.get("rejects")).longValue();
    assertEquals(input, documents + rejects);
    assertTrue(documents >= 27, "most of the 30 generated articles are kept: " + documents);
  }
}
