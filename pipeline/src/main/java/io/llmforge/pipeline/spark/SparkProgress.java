package io.llmforge.pipeline.spark;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.SparkStatusTracker;
import scala.Option;

/**
 * A progress line with an ETA for whatever Spark job a command is running (clean, dedup, classify, tokenize, the
 * prepare jobs...): tasks done of the job's tasks so far, the running stage, and the time left at the rate so far.
 * Polls Spark's status tracker from a daemon thread; on a terminal the line redraws in place, elsewhere (logs, CI) a
 * line every {@link #LOG_EVERY_MS}. Jobs shorter than {@link #QUIET_MS} print nothing, and jobs in the
 * {@link #QUIET_GROUP} job group (data-parallel training, which has its own progress line) are skipped.
 */
public final class SparkProgress implements Runnable {
  /** Jobs started in this job group get no progress line. */
  public static final String QUIET_GROUP = "llmforge-quiet";
  static final long QUIET_MS = 3_000;
  static final long LOG_EVERY_MS = 15_000;
  private static final long POLL_MS = 500;
  private static final int BAR = 20;
  private static final Set<SparkContext> STARTED = new HashSet<>();

  private final SparkContext sc;
  private final PrintStream out;
  private final boolean terminal;
  private final Map<Integer, Long> firstSeen = new HashMap<>();
  private int shown = -1;
  private long lastPrinted;

  private SparkProgress(SparkContext sc, PrintStream out, boolean terminal) {
    this.sc = sc;
    this.out = out;
    this.terminal = terminal;
  }

  /** Starts the line for {@code sc} (once per context). */
  public static synchronized void start(SparkContext sc, PrintStream out) {
    if (STARTED.add(sc)) {
      Thread t = new Thread(new SparkProgress(sc, out, System.console() != null), "llmforge-spark-progress");
      t.setDaemon(true);
      t.start();
    }
  }

  @Override
  public void run() {
    while (!sc.isStopped()) {
      try {
        Thread.sleep(POLL_MS);
        poll(System.currentTimeMillis());
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        // the context stopping under us: nothing to report
      }
    }
  }

  private void poll(long now) {
    SparkStatusTracker tracker = sc.statusTracker();
    Set<Integer> quiet = new HashSet<>();
    for (int id : tracker.getJobIdsForGroup(QUIET_GROUP)) {
      quiet.add(id);
    }
    int job = Arrays.stream(tracker.getActiveJobIds()).filter(id -> !quiet.contains(id)).max().orElse(-1);
    if (job != shown && shown >= 0 && terminal) {
      out.print("\r" + " ".repeat(100) + "\r"); // the last job's line is done
    }
    if (job < 0) {
      shown = -1;
      return;
    }
    long start = firstSeen.computeIfAbsent(job, k -> now);
    Option<SparkJobInfo> info = tracker.getJobInfo(job);
    if (now - start < QUIET_MS || info.isEmpty() || (!terminal && now - lastPrinted < LOG_EVERY_MS)) {
      return;
    }
    int total = 0;
    int done = 0;
    String stage = "";
    for (int id : info.get().stageIds()) {
      Option<SparkStageInfo> s = tracker.getStageInfo(id);
      if (s.isDefined()) {
        total += s.get().numTasks();
        done += s.get().numCompletedTasks();
        if (s.get().numActiveTasks() > 0) {
          stage = s.get().name();
        }
      }
    }
    String line = format(sc.appName(), job, done, total, stage, (now - start) / 1000.0);
    out.print(terminal ? "\r" + line : line + "\n");
    out.flush();
    shown = job;
    lastPrinted = now;
  }

  /** {@code [####----] app job 3: 12/40 tasks (stage) | 0m21s, eta 0m49s}; no ETA before the first task is done. */
  public static String format(String app, int job, int done, int total, String stage, double seconds) {
    int filled = total == 0 ? 0 : Math.min(BAR, BAR * done / total);
    String eta = done == 0 || total == 0 ? "-" : duration(seconds * (total - done) / done);
    return String.format(Locale.ROOT, "[%s] %s job %d: %d/%d tasks%s | %s, eta %s", "#".repeat(filled)
        + "-".repeat(BAR - filled), app, job, done, total, stage.isEmpty() ? "" : " (" + stage + ")",
        duration(seconds), eta);
  }

  static String duration(double seconds) {
    long s = Math.max(0, Math.round(seconds));
    return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
        : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
  }
}
