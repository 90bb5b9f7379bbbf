package io.llmforge.trainer.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The threads of the CPU kernels: as many as OpenMP gets ({@code OMP_NUM_THREADS}, else every core), so a Java
 * kernel uses the same cores as the ND4J ops around it. {@link #forRanges} splits [0, n) into one contiguous range
 * per thread; the caller runs the first range itself.
 */
public final class CpuThreads {
  private static volatile int threads = threads();
  private static volatile boolean anyGrain; // tests: split even tiny arrays
  private static ExecutorService pool;

  private CpuThreads() {}

  /** The work on range number {@code index}, [from, to). */
  @FunctionalInterface
  public interface Range {
    void run(int index, int from, int to);
  }

  private static int threads() {
    String env = System.getenv("OMP_NUM_THREADS");
    try {
      return env == null ? Runtime.getRuntime().availableProcessors() : Math.max(1, Integer.parseInt(env.trim()));
    } catch (NumberFormatException e) {
      return Runtime.getRuntime().availableProcessors();
    }
  }

  /** How many ranges {@link #forRanges} uses for n items, at least {@code minPerRange} each. */
  public static int ranges(int n, int minPerRange) {
    return Math.max(1, Math.min(threads, anyGrain ? n : n / Math.max(1, minPerRange)));
  }

  /** Tests run the kernels split over several threads (even tiny arrays) whatever OMP_NUM_THREADS says. */
  static void setThreadsForTests(int n) {
    threads = Math.max(1, n);
    anyGrain = n > 1;
  }

  private static synchronized ExecutorService pool(int workers) {
    if (pool == null || ((java.util.concurrent.ThreadPoolExecutor) pool).getMaximumPoolSize() < workers) {
      if (pool != null) {
        pool.shutdown();
      }
      pool = Executors.newFixedThreadPool(workers, r -> {
        Thread t = new Thread(r, "llmforge-cpu-kernel");
        t.setDaemon(true);
        return t;
      });
    }
    return pool;
  }

  /** Runs {@code body} on {@link #ranges} ranges of [0, n), in parallel; returns when all are done. */
  public static void forRanges(int n, int minPerRange, Range body) {
    int k = ranges(n, minPerRange);
    if (k == 1) {
      body.run(0, 0, n);
      return;
    }
    List<Future<?>> rest = new ArrayList<>(k - 1);
    ExecutorService workers = pool(k - 1);
    for (int i = 1; i < k; i++) {
      int index = i;
      rest.add(workers.submit(() -> body.run(index, bound(n, k, index), bound(n, k, index + 1))));
    }
    body.run(0, 0, bound(n, k, 1));
    try {
      for (Future<?> f : rest) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted in a CPU kernel", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    }
  }

  private static int bound(int n, int k, int i) {
    return (int) ((long) n * i / k);
  }
}
