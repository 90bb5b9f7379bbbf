package io.llmforge.jobs;

import io.llmforge.pipeline.spark.JobStats;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one side of a benchmark as a child process (the PyTorch reference, or this trainer in a fresh JVM with its
 * own thread settings), echoing its output with a prefix, and returns the JSON object it prints as its last line.
 * OpenMP reads its thread count once per process, so every measurement at a given thread count gets its own
 * process, ours and PyTorch's alike, with the environment it is reported with. A side that cannot run (no Python,
 * no torch, a crash) is not an error of the benchmark: the result then says why it was skipped.
 */
final class BenchProcess {
  private BenchProcess() {}

  /** The command that starts this same JVM (java, its flags and class path) on {@code mainClass}. */
  static List<String> thisJvm(String mainClass) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!arg.startsWith("-agentlib") && !arg.startsWith("-XX:StartFlightRecording")) {
        cmd.add(arg);
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    return cmd;
  }

  /** Thread settings for a child: OpenMP (libnd4j, oneDNN, PyTorch) and OpenBLAS. */
  static Map<String, String> threads(int omp, int openblas) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("OMP_NUM_THREADS", String.valueOf(omp));
    env.put("OPENBLAS_NUM_THREADS", String.valueOf(openblas));
    env.put("MKL_NUM_THREADS", String.valueOf(omp));
    return env;
  }

  static Map<String, Object> run(String label, List<String> command, Map<String, String> env) {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    System.out.println("\n" + label + ": " + env + " " + abbreviate(command));
    String summary = null;
    StringBuilder tail = new StringBuilder();
    try {
      Process p = pb.start();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          if (line.startsWith("{")) {
            summary = line;
          } else if (!line.contains(" WARN ") && !line.startsWith("SLF4J")) {
            System.out.println("  " + label + ": " + line);
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
      return Map.of("skipped", "cannot run " + command.get(0) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Map.of("skipped", "interrupted");
    }
    Map<String, Object> result = new LinkedHashMap<>(JobStats.parse(summary));
    result.put("env", env);
    return result;
  }

  private static String abbreviate(List<String> command) {
    List<String> shown = new ArrayList<>();
    for (int i = 0; i < command.size(); i++) {
      String a = command.get(i);
      if (a.equals("-cp") && i + 1 < command.size()) {
        shown.add("-cp <this class path>");
        i++;
      } else if (!a.startsWith("--add-opens") && !a.startsWith("-XX:") && !a.startsWith("-Dlog4j")
          && !a.startsWith("-Djdk")) {
        shown.add(a);
      }
    }
    return String.join(" ", shown);
  }

  static double number(Map<String, Object> json, String key) {
    Object v = json.get(key);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  /** One thread count's measurements: this trainer's run and PyTorch's runs (one per thread environment). */
  record Sides(Map<String, Object> ours, List<Map<String, Object>> torchRuns) {
    /** PyTorch's fastest run by {@code key}, or a "skipped" result when it did not run. */
    Map<String, Object> bestTorch(String key) {
      return torchRuns.isEmpty() ? Map.of("skipped", "--python \"\"") : best(torchRuns, key);
    }
  }

  /**
   * Both sides at {@code n} threads: this trainer with OpenMP = OpenBLAS = n (its fastest pair, measured), PyTorch
   * (unless {@code torch} is null) with OpenBLAS 1 and, for n > 1, also n, since which is faster depends on the machine.
   */
  static Sides measure(int n, List<String> ours, List<String> torch) {
    Map<String, Object> our = run("llmforge", ours, threads(n, n));
    List<Map<String, Object>> torchRuns = new ArrayList<>();
    if (torch != null) {
      torchRuns.add(run("pytorch", torch, threads(n, 1)));
      if (n > 1) {
        torchRuns.add(run("pytorch", torch, threads(n, n)));
      }
    }
    return new Sides(our, torchRuns);
  }

  /** The faster of several runs of the same side (by {@code key}); skipped runs lose. */
  static Map<String, Object> best(List<Map<String, Object>> runs, String key) {
    Map<String, Object> best = runs.get(0);
    for (Map<String, Object> r : runs) {
      if (!(number(best, key) >= number(r, key))) {
        best = r;
      }
    }
    return best;
  }
}
