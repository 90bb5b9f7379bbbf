package io.llmforge.jobs;

import io.llmforge.pipeline.spark.JobStats;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs {@code trainer/bench/pytorch_reference.py} (the same model, data and optimiser in PyTorch) as a child
 * process, echoing its progress, and returns its JSON summary. Missing Python, torch or script is not an error
 * of the benchmark: the result then says why the PyTorch row was skipped.
 */
final class PytorchReference {
  private PytorchReference() {}

  static Map<String, Object> run(String python, Path script, Path text, int steps, int batchSize, int threads) {
    if (!Files.isRegularFile(script)) {
      return Map.of("skipped", script + " not found");
    }
    ProcessBuilder pb = new ProcessBuilder(python, script.toString(), "--data", text.toString(),
        "--steps", String.valueOf(steps), "--batch-size", String.valueOf(batchSize),
        "--threads", String.valueOf(threads)).redirectErrorStream(true);
    pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
    System.out.println("\nPyTorch reference: " + String.join(" ", pb.command()));
    String summary = null;
    StringBuilder tail = new StringBuilder();
    try {
      Process p = pb.start();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          System.out.println("  pytorch: " + line);
          if (line.startsWith("{")) {
            summary = line;
          }
          tail.append(line).append('\n');
          if (tail.length() > 4000) {
            tail.delete(0, tail.length() - 2000);
          }
        }
      }
      int code = p.waitFor();
      if (code != 0 || summary == null) {
        String last = tail.toString().strip();
        return Map.of("skipped", "exit " + code + ": " + last.substring(last.lastIndexOf('\n') + 1));
      }
    } catch (IOException e) {
      return Map.of("skipped", "cannot run " + python + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Map.of("skipped", "interrupted");
    }
    return JobStats.parse(summary);
  }
}
