package io.llmforge.jobs;

import io.llmforge.pipeline.spark.JobStats;
import java.util.Map;

/** What a job prints for the person who ran it: a short, aligned summary of its stats. */
final class Console {
  private Console() {}

  static void printStats(String job, JobStats stats) {
    System.out.println();
    System.out.println("== " + job + " ==");
    for (Map.Entry<String, Object> e : stats.asMap().entrySet()) {
      if (e.getValue() instanceof Map<?, ?> map) {
        System.out.printf("  %-36s%n", e.getKey());
        map.forEach((k, v) -> System.out.printf("      %-32s %s%n", k, v));
      } else {
        System.out.printf("  %-36s %s%n", e.getKey(), e.getValue());
      }
    }
  }
}
