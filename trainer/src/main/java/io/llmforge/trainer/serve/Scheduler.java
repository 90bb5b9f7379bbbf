package io.llmforge.trainer.serve;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Continuous batching over one KV-cache decoder, on one thread of its own (the decoder is not thread-safe; HTTP
 * threads only {@link #submit} and read events). The loop:
 *
 * <ol>
 *   <li>admit: while the oldest waiting generation fits in the free rows, prefill its prompt into one row per choice
 *       (first come, first served: a request with n choices waits for n free rows, and later ones wait behind it);</li>
 *   <li>advance every active sequence: draw its next token from its logits, send the text, and either end it (stop
 *       id, stop string, token budget, or its client gone), which frees its row at once, or list it to be fed;</li>
 *   <li>one {@code step(rows, tokens)} for all listed sequences, whatever their lengths: one pass of the model for
 *       the whole batch, which is where the throughput comes from.</li>
 * </ol>
 *
 * A request therefore joins the batch between two steps instead of waiting for the batch to drain, and a finished
 * one leaves without holding the others back. Each sequence samples from its own seeded random stream and the
 * decoder's rows are independent (each row's logits are computed by the same arithmetic whatever else is in the
 * step), so batching does not change what a request gets.
 *
 * <p>Failures stay with the generations they touch: a prefill or sampling error fails that generation, a failed step
 * fails the generations in it; the rows are freed and the loop goes on (the server answers 500 and keeps serving).
 */
final class Scheduler implements AutoCloseable {
  private final BatchDecoder decoder;
  private final IntFunction<byte[]> tokenBytes;
  private final int maxQueue;
  private final PrintStream log;
  private final LinkedBlockingQueue<Generation> waiting = new LinkedBlockingQueue<>();
  private final AtomicInteger queued = new AtomicInteger(); // waiting + head: what --max-queue bounds
  private final Sequence[] rows;
  private final List<Sequence> active = new ArrayList<>(); // in admission order
  private final Thread thread;
  private volatile boolean stopping;
  private Generation head; // taken from the queue, waiting for enough free rows
  // figures for /health and the tests
  private final AtomicInteger slotsInUse = new AtomicInteger();
  private final AtomicLong steps = new AtomicLong();
  private final AtomicLong tokens = new AtomicLong();
  private final AtomicLong cancelledSequences = new AtomicLong();
  private final AtomicLong failedGenerations = new AtomicLong();
  private volatile int maxRowsPerStep;

  Scheduler(BatchDecoder decoder, IntFunction<byte[]> tokenBytes, int maxQueue, PrintStream log) {
    if (maxQueue < 1) {
      throw new IllegalArgumentException("maxQueue must be >= 1, got " + maxQueue);
    }
    this.decoder = decoder;
    this.tokenBytes = tokenBytes;
    this.maxQueue = maxQueue;
    this.log = log;
    this.rows = new Sequence[decoder.maxBatch()];
    this.thread = new Thread(this::run, "llmforge-decode");
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues a generation; false when {@code maxQueue} generations are already waiting (the caller answers 429). */
  synchronized boolean submit(Generation g) { // with close(): nothing is queued after the loop's last drain
    if (stopping) {
      throw ApiError.shuttingDown();
    }
    if (g.choices > rows.length) {
      throw ApiError.invalid("n", "'n' is " + g.choices + " but the server decodes at most " + rows.length + " rows");
    }
    if (queued.incrementAndGet() > maxQueue) {
      queued.decrementAndGet();
      return false;
    }
    waiting.add(g);
    return true;
  }

  int maxBatch() {
    return rows.length;
  }

  int slotsInUse() {
    return slotsInUse.get();
  }

  int queued() {
    return queued.get();
  }

  long steps() {
    return steps.get();
  }

  long tokens() {
    return tokens.get();
  }

  long cancelledSequences() {
    return cancelledSequences.get();
  }

  long failedGenerations() {
    return failedGenerations.get();
  }

  int maxRowsPerStep() {
    return maxRowsPerStep;
  }

  /** Stops the loop; whatever is still queued or decoding fails with 503 (the server drains requests first). */
  @Override
  public void close() {
    synchronized (this) {
      stopping = true;
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    while (!stopping) {
      try {
        admit();
        if (!active.isEmpty()) {
          decodeOnce();
        }
      } catch (InterruptedException e) {
        // only close() stops the loop
      } catch (Throwable t) { // a bug in the loop itself: fail what is active rather than lose the thread
        log.println("serve: decoding loop error, failing " + active.size() + " sequences: " + t);
        t.printStackTrace(log);
        for (Generation g : generationsOf(active)) {
          fail(g, t);
        }
      }
    }
    ApiError closing = ApiError.shuttingDown();
    for (Generation g : generationsOf(active)) {
      fail(g, closing);
    }
    if (head != null) {
      head.fail(closing);
    }
    for (Generation g; (g = waiting.poll()) != null; ) {
      g.fail(closing);
    }
  }

  /** Prefills waiting generations into free rows while the oldest fits; blocks briefly when nothing is active. */
  private void admit() throws InterruptedException {
    while (!stopping) {
      if (head == null) {
        head = active.isEmpty() ? waiting.poll(100, TimeUnit.MILLISECONDS) : waiting.poll();
        if (head == null) {
          return;
        }
      }
      if (head.cancelled()) { // its client left while it waited
        head = null;
        queued.decrementAndGet();
        continue;
      }
      if (freeRows() < head.choices) {
        return;
      }
      Generation g = head;
      head = null;
      queued.decrementAndGet();
      try {
        for (int choice = 0; choice < g.choices; choice++) {
          Sequence s = new Sequence(g, choice, freeRow());
          rows[s.row] = s;
          slotsInUse.incrementAndGet();
          active.add(s);
          s.logits = decoder.prefill(s.row, g.prompt);
        }
      } catch (RuntimeException | Error e) {
        fail(g, e);
      }
    }
  }

  private void decodeOnce() {
    List<Sequence> feed = new ArrayList<>(active.size());
    for (Sequence s : List.copyOf(active)) {
      if (s.released) {
        continue; // its generation failed earlier in this pass
      }
      Generation g = s.generation;
      if (g.cancelled()) {
        release(s);
        cancelledSequences.incrementAndGet();
        continue;
      }
      try {
        String reason = s.advance(tokenBytes);
        tokens.incrementAndGet();
        if (reason != null) {
          release(s);
          g.finish(s.choice, reason, s.generated());
        } else {
          feed.add(s);
        }
      } catch (RuntimeException | Error e) {
        fail(g, e);
      }
    }
    feed.removeIf(s -> s.released);
    if (feed.isEmpty()) {
      return;
    }
    int n = feed.size();
    int[] stepRows = new int[n];
    int[] stepTokens = new int[n];
    for (int i = 0; i < n; i++) {
      stepRows[i] = feed.get(i).row;
      stepTokens[i] = feed.get(i).lastId();
    }
    double[][] logits;
    try {
      logits = decoder.step(stepRows, stepTokens);
    } catch (RuntimeException | Error e) {
      for (Generation g : generationsOf(feed)) {
        fail(g, e);
      }
      return;
    }
    steps.incrementAndGet();
    if (n > maxRowsPerStep) {
      maxRowsPerStep = n;
    }
    for (int i = 0; i < n; i++) {
      feed.get(i).logits = logits[i];
    }
  }

  private void fail(Generation g, Throwable t) {
    if (g.ended()) {
      return;
    }
    failedGenerations.incrementAndGet();
    if (!(t instanceof ApiError)) {
      log.println("serve: a generation failed (answered 500, rows freed): " + t);
      t.printStackTrace(log);
    }
    for (Sequence s : List.copyOf(active)) {
      if (s.generation == g) {
        release(s);
      }
    }
    g.fail(t instanceof ApiError a ? a : ApiError.internal(t));
  }

  private void release(Sequence s) {
    if (!s.released) {
      s.released = true;
      rows[s.row] = null;
      active.remove(s);
      slotsInUse.decrementAndGet();
    }
  }

  private int freeRows() {
    return rows.length - active.size();
  }

  private int freeRow() {
    for (int r = 0; r < rows.length; r++) {
      if (rows[r] == null) {
        return r;
      }
    }
    throw new IllegalStateException("no free row");
  }

  private static Set<Generation> generationsOf(List<Sequence> sequences) {
    Set<Generation> out = new LinkedHashSet<>();
    for (Sequence s : sequences) {
      out.add(s.generation);
    }
    return out;
  }
}
