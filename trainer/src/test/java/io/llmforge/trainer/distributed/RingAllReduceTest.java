package io.llmforge.trainer.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The ring all-reduce between threads of this JVM, over real TCP sockets on loopback. */
class RingAllReduceTest {

  /** Starts {@code n} workers, each running {@code body} with its ring; returns their results by rank. */
  static <T> List<T> onRing(int n, Duration timeout, Function<RingAllReduce, T> body) throws Exception {
    List<ServerSocket> servers = new ArrayList<>();
    List<InetSocketAddress> addresses = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      ServerSocket s = RingAllReduce.listen("127.0.0.1");
      servers.add(s);
      addresses.add(new InetSocketAddress("127.0.0.1", s.getLocalPort()));
    }
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        int rank = r;
        futures.add(pool.submit(() -> {
          try (RingAllReduce ring = RingAllReduce.connect(rank, addresses, servers.get(rank), timeout)) {
            return body.apply(ring);
          }
        }));
      }
      List<T> results = new ArrayList<>();
      for (Future<T> f : futures) {
        results.add(f.get());
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  static float[] random(int n, long seed) {
    Random random = new Random(seed);
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }

  @Test
  void sumsEqualAPlainSumAndAreIdenticalOnEveryWorker() throws Exception {
    for (int workers : new int[] {2, 3, 4}) {
      // Lengths not divisible by the worker count, smaller than it, and large enough to need many TCP segments.
      for (int length : new int[] {1, 2, 1001, 300_007}) {
        List<float[]> sums = onRing(workers, Duration.ofSeconds(30), ring -> {
          float[] values = random(length, 100 + ring.rank());
          ring.sum(values);
          return values;
        });
        double[] expected = new double[length];
        for (int r = 0; r < workers; r++) {
          float[] inputs = random(length, 100 + r);
          for (int i = 0; i < length; i++) {
            expected[i] += inputs[i];
          }
        }
        for (int i = 0; i < length; i++) {
          assertEquals(expected[i], sums.get(0)[i], 1e-5, workers + " workers, length " + length + ", index " + i);
        }
        for (float[] s : sums) {
          assertArrayEquals(sums.get(0), s, "every worker ends with bit-identical sums");
        }
      }
    }
  }

  @Test
  void averageIsTheMeanAndTheRingCanBeReused() throws Exception {
    List<float[]> results = onRing(2, Duration.ofSeconds(30), ring -> {
      float[] first = {ring.rank() == 0 ? 1f : 3f, 10f * (ring.rank() + 1), -4f};
      ring.average(first);
      float[] second = {ring.rank() == 0 ? 0.5f : 1.5f}; // another length in the next call
      ring.average(second);
      return new float[] {first[0], first[1], first[2], second[0]};
    });
    assertArrayEquals(new float[] {2f, 15f, -4f, 1f}, results.get(0));
    assertArrayEquals(results.get(0), results.get(1));
  }

  @Test
  void mismatchedCallsFailInsteadOfMixingArrays() {
    ExecutionException e = assertThrows(ExecutionException.class, () -> onRing(2, Duration.ofSeconds(30), ring -> {
      ring.sum(new float[ring.rank() == 0 ? 10 : 11]);
      return null;
    }));
    assertTrue(e.getCause() instanceof UncheckedIOException, e.toString());
  }

  @Test
  void aWorkerThatLeavesFailsTheOthersAtOnce() {
    // The exchange timeout is long: the others must fail because the ring broke, not because they gave up waiting.
    ExecutionException e = assertThrows(ExecutionException.class, () -> onRing(3, Duration.ofMinutes(10), ring -> {
      if (ring.rank() == 2) {
        ring.close(); // as a failed task does
        return null;
      }
      ring.sum(new float[1000]);
      return null;
    }));
    assertTrue(e.getCause() instanceof UncheckedIOException, e.toString());
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertFalse(String.valueOf(t.getMessage()).contains("waited too long"), t.toString());
    }
  }
}
