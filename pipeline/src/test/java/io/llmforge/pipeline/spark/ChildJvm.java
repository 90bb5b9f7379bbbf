package io.llmforge.pipeline.spark;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * The JVM flags a test passes on to the JVMs it starts (standalone workers and executors, children it kills): Spark's
 * module openings (the parent pom's spark.jvm.flags) and the test JIT and GC settings (its test.jvm.flags), read from this
 * JVM's own command line so that the pom stays the one place they are written.
 */
public final class ChildJvm {
  private ChildJvm() {}

  public static List<String> flags() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports")
            || a.equals("-XX:+IgnoreUnrecognizedVMOptions") || a.startsWith("-Djdk.reflect.")
            || a.startsWith("-XX:TieredStopAtLevel") || a.equals("-XX:+UseParallelGC"))
        .toList();
  }
}
