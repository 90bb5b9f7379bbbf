package io.llmforge.pipeline.spark;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;

/**
 * A real Spark standalone cluster on loopback for tests: one Master and {@code n} Workers, each a separate JVM
 * started from the test classpath, and a driver session in the test JVM connected to it. Executors are
 * separate JVMs too, spawned by the workers, so closures, serialization and shuffles cross process boundaries
 * exactly as on a real cluster.
 *
 * <p>How it works without a Spark distribution: a worker builds each executor's command line with Spark's
 * {@code WorkerCommandBuilder}, which needs {@code SPARK_HOME} with a {@code jars/} folder and the Scala version.
 * Both come from a temporary, empty SPARK_HOME and {@code SPARK_SCALA_VERSION}; the jars reach executors through
 * {@code spark.executor.extraClassPath} (the test classpath), and the Java 17 {@code --add-opens} flags Spark
 * needs through {@code spark.executor.extraJavaOptions} (the flags of the test JVM itself). Everything binds to
 * 127.0.0.1. {@link #close} stops the session, the workers (which stop their executors) and the master, and
 * kills whatever is left after a bounded wait.
 *
 * <p>Shared with the other modules through the pipeline test-jar (dedup and trainer run their cluster tests on it).
 */
public final class StandaloneCluster implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

  private final Path home;
  private final String classPath;
  private final List<String> jvmFlags;
  private final List<Process> processes = new ArrayList<>();
  private final String masterUrl;
  private final int masterWebPort;
  private SparkSession session;

  private StandaloneCluster(Path home, String classPath, List<String> jvmFlags, int masterPort, int masterWebPort) {
    this.home = home;
    this.classPath = classPath;
    this.jvmFlags = jvmFlags;
    this.masterUrl = "spark://127.0.0.1:" + masterPort;
    this.masterWebPort = masterWebPort;
  }

  /**
   * Starts a master and {@code workers} workers with {@code coresPerWorker} cores and {@code workerMemory} (e.g.
   * "1g") each, and waits until all workers have registered.
   *
   * @param home an empty folder for SPARK_HOME, work folders and process logs
   */
  public static StandaloneCluster start(Path home, int workers, int coresPerWorker, String workerMemory) {
    try {
      Files.createDirectories(home.resolve("jars"));
      StandaloneCluster cluster = new StandaloneCluster(home, testClassPath(), ChildJvm.flags(), freePort(), freePort());
      try {
        cluster.launch("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
            "--port", cluster.masterUrl.substring(cluster.masterUrl.lastIndexOf(':') + 1),
            "--webui-port", Integer.toString(cluster.masterWebPort));
        for (int w = 0; w < workers; w++) {
          Path work = Files.createDirectories(home.resolve("work-" + w));
          cluster.launch("worker-" + w, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
              "--port", "0", "--webui-port", "0", "--cores", Integer.toString(coresPerWorker),
              "--memory", workerMemory, "--work-dir", work.toString(), cluster.masterUrl);
        }
        cluster.awaitWorkers(workers);
        return cluster;
      } catch (RuntimeException | IOException e) {
        cluster.close();
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start a standalone cluster in " + home, e);
    }
  }

  public String masterUrl() {
    return masterUrl;
  }

  /**
   * A driver session on this cluster, with {@code executors} executors of one core and {@code executorMemory}.
   * Any other session of this JVM (e.g. a local test session) is stopped first: a JVM has one SparkContext.
   */
  public synchronized SparkSession session(String appName, int executors, String executorMemory) {
    if (session != null) {
      return session;
    }
    SparkSession.getActiveSession().foreach(s -> {
      s.stop();
      return null;
    });
    SparkSession.getDefaultSession().foreach(s -> {
      s.stop();
      return null;
    });
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    String flags = String.join(" ", jvmFlags);
    session = SparkSession.builder()
        .master(masterUrl)
        .appName(appName)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.executor.cores", "1")
        .config("spark.cores.max", Integer.toString(executors))
        .config("spark.executor.memory", executorMemory)
        .config("spark.executor.extraClassPath", classPath)
        .config("spark.executor.extraJavaOptions", flags)
        .config("spark.executorEnv.SPARK_LOCAL_IP", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.parquet.compression.codec", "zstd")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        // Wait for the executors before the first job, so every test run really spans the worker JVMs.
        .config("spark.scheduler.minRegisteredResourcesRatio", "1.0")
        .config("spark.scheduler.maxRegisteredResourcesWaitingTime", "60s")
        .getOrCreate();
    awaitExecutors(executors);
    return session;
  }

  /** Number of executors (not counting the driver) registered with the current session. */
  public int executorCount() {
    return session == null ? 0 : session.sparkContext().getExecutorMemoryStatus().size() - 1;
  }

  private void launch(String name, String mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    command.add("-Xmx512m");
    command.add("-cp");
    command.add(classPath);
    command.add(mainClass);
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(home.resolve(name + ".log").toFile());
    Map<String, String> env = builder.environment();
    env.put("SPARK_HOME", home.toString());
    env.put("SPARK_SCALA_VERSION", "2.12");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("SPARK_LOCAL_DIRS", home.resolve("local").toString());
    env.remove("SPARK_CONF_DIR");
    processes.add(builder.start());
  }

  private void awaitWorkers(int workers) {
    Pattern alive = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      checkAlive();
      try (InputStream in = URI.create("http://127.0.0.1:" + masterWebPort + "/json/").toURL().openStream()) {
        last = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        Matcher m = alive.matcher(last);
        if (m.find() && Integer.parseInt(m.group(1)) >= workers) {
          return;
        }
      } catch (IOException notYet) {
        // The master's web UI is not up yet.
      }
      sleep(250);
    }
    throw new IllegalStateException("standalone cluster: " + workers + " workers did not register within "
        + START_TIMEOUT.toSeconds() + " s; master status: " + last + "; logs in " + home);
  }

  private void awaitExecutors(int executors) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (executorCount() < executors) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("standalone cluster: " + executorCount() + " of " + executors
            + " executors registered within " + START_TIMEOUT.toSeconds() + " s; logs in " + home);
      }
      sleep(250);
    }
  }

  private void checkAlive() {
    for (Process p : processes) {
      if (!p.isAlive()) {
        throw new IllegalStateException("standalone cluster: a process exited with " + p.exitValue() + "; logs in "
            + home);
      }
    }
  }

  @Override
  public synchronized void close() {
    if (session != null) {
      session.stop();
      SparkSession.clearActiveSession();
      SparkSession.clearDefaultSession();
      session = null;
    }
    // Workers first (they stop their executors), then the master; whatever outlives the wait is killed.
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).destroy();
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        p.descendants().forEach(ProcessHandle::destroyForcibly);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    processes.clear();
  }

  /** The full test classpath: surefire hides it behind a manifest-only jar in {@code java.class.path}. */
  private static String testClassPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    String cp = surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    List<String> absolute = new ArrayList<>();
    for (String entry : cp.split(File.pathSeparator)) {
      if (!entry.isBlank()) {
        absolute.add(Path.of(entry).toAbsolutePath().toString());
      }
    }
    return String.join(File.pathSeparator, absolute);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the cluster", e);
    }
  }
}
