package io.llmforge.trainer.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.llmforge.trainer.engine.KvCacheDecoder;
import io.llmforge.trainer.serve.CompletionRequest.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The OpenAI-compatible HTTP server: the JDK's {@link HttpServer} with a fixed pool of HTTP threads, one
 * {@link Scheduler} thread that owns the decoder, and the routes
 *
 * <pre>
 *   POST /v1/chat/completions   POST /v1/completions   GET /v1/models   GET /v1/models/{name}   (API key if set)
 *   GET  /health                GET  /  (the chat page)
 * </pre>
 *
 * An unknown path is 404, a known path with another method 405, and every failure of a request is answered with
 * OpenAI's JSON error shape; an unexpected exception is a 500 for that request only and the server keeps serving.
 *
 * <p>The HTTP pool has a thread for every row and every queue place plus spare ones, so a request that has a place
 * always has a thread to stream it, and 429s, health checks and errors are answered while the batch is full.
 *
 * <p>{@link #close}: new requests get 503, requests in flight get up to the shutdown timeout to finish, whatever is
 * left is failed with 503, then the listener and the threads stop.
 */
public final class ApiServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SPARE_HTTP_THREADS = 8;
  private static final String PAGE = "chat.html";

  private final ServedModel model;
  private final ServeSettings settings;
  private final PrintStream log;
  private final ApiKey key;
  private final Scheduler scheduler;
  private final CompletionsEndpoint completions;
  private final HttpServer http;
  private final ThreadPoolExecutor pool;
  private final long created = Instant.now().getEpochSecond();
  private final byte[] page;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile boolean draining;

  private ApiServer(ServedModel model, BatchDecoder decoder, ServeSettings settings, PrintStream log)
      throws IOException {
    this.model = model;
    this.settings = settings;
    this.log = log;
    this.key = settings.apiKey() == null ? ApiKey.none() : ApiKey.of(settings.apiKey());
    this.page = resource(PAGE);
    int limit = settings.maxTokens() == 0 ? model.blockSize() : settings.maxTokens();
    this.scheduler = new Scheduler(decoder, model::tokenBytes, settings.maxQueue(), log);
    this.completions = new CompletionsEndpoint(model, scheduler, settings.maxQueue(), limit);
    int threads = settings.maxBatch() + settings.maxQueue() + SPARE_HTTP_THREADS;
    AtomicInteger n = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "llmforge-http-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    pool.allowCoreThreadTimeOut(true);
    try {
      this.http = HttpServer.create(new InetSocketAddress(InetAddress.getByName(settings.host()), settings.port()),
          128);
    } catch (IOException e) {
      scheduler.close();
      pool.shutdownNow();
      throw new IOException("cannot listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage(), e);
    }
    http.createContext("/", this::handle);
    http.setExecutor(pool);
    http.start();
  }

  /** Serves {@code model} with a KV-cache decoder of {@code settings.maxBatch()} rows; returns once listening. */
  public static ApiServer start(ServedModel model, ServeSettings settings, PrintStream log) throws IOException {
    return new ApiServer(model, BatchDecoder.of(new KvCacheDecoder(model.engine(), settings.maxBatch())), settings,
        log);
  }

  /** The same over another decoder (tests: a slowed or failing one). */
  static ApiServer start(ServedModel model, BatchDecoder decoder, ServeSettings settings, PrintStream log)
      throws IOException {
    return new ApiServer(model, decoder, settings, log);
  }

  public int port() {
    return http.getAddress().getPort();
  }

  /** {@code http://host:port/}; the OpenAI base URL is this plus {@code v1}. */
  public URI url() {
    String host = settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host();
    return URI.create("http://" + host + ":" + port() + "/");
  }

  public ServedModel model() {
    return model;
  }

  /** Blocks until {@link #close} has finished. */
  public void awaitClosed() throws InterruptedException {
    closed.await();
  }

  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      try {
        closed.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    draining = true;
    awaitIdle(System.nanoTime() + settings.shutdownTimeout().toNanos());
    scheduler.close(); // fails what did not finish in time, so those handlers answer and return
    awaitIdle(System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
    http.stop(0);
    pool.shutdownNow();
    closed.countDown();
  }

  private void awaitIdle(long deadline) {
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void handle(HttpExchange ex) {
    inFlight.incrementAndGet();
    try {
      route(ex);
    } catch (ApiError e) {
      answer(ex, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      answer(ex, ApiError.shuttingDown());
    } catch (IOException e) {
      // the client is gone or the connection broke: nobody to answer
    } catch (Throwable t) {
      log.println("serve: " + ex.getRequestMethod() + " " + ex.getRequestURI() + " failed (answered 500): " + t);
      t.printStackTrace(log);
      answer(ex, ApiError.internal(t));
    } finally {
      ex.close();
      inFlight.decrementAndGet();
    }
  }

  private void route(HttpExchange ex) throws IOException, InterruptedException {
    String path = ex.getRequestURI().getPath();
    String method = ex.getRequestMethod();
    if (draining) {
      throw ApiError.shuttingDown();
    }
    String allowed = allowedMethod(path);
    if (allowed == null) {
      throw ApiError.unknownUrl(method, path);
    }
    if (!allowed.equals(method)) {
      ex.getResponseHeaders().set("Allow", allowed);
      throw ApiError.methodNotAllowed(method, path, allowed);
    }
    if (path.startsWith("/v1/") && !key.allows(ex.getRequestHeaders().getFirst("Authorization"))) {
      throw ApiError.unauthorized();
    }
    switch (path) {
      case "/v1/chat/completions" -> completions.handle(ex, Kind.CHAT);
      case "/v1/completions" -> completions.handle(ex, Kind.TEXT);
      case "/v1/models" -> Http.json(ex, 200, OpenAiJson.models(model.name(), created));
      case "/health" -> Http.json(ex, 200, health());
      case "/", "/index.html" -> Http.send(ex, 200, "text/html; charset=utf-8", page);
      default -> { // /v1/models/{name}
        String name = path.substring("/v1/models/".length());
        if (!name.equals(model.name())) {
          throw ApiError.modelNotFound(name, model.name());
        }
        Http.json(ex, 200, OpenAiJson.model(model.name(), created).toString());
      }
    }
  }

  /** The one method a path takes, or null for a path this server does not have. */
  private static String allowedMethod(String path) {
    return switch (path) {
      case "/v1/chat/completions", "/v1/completions" -> "POST";
      case "/v1/models", "/health", "/", "/index.html" -> "GET";
      default -> path.startsWith("/v1/models/") && path.length() > "/v1/models/".length() ? "GET" : null;
    };
  }

  private String health() {
    ObjectNode h = JSON.createObjectNode();
    h.put("status", draining ? "draining" : "ok");
    h.put("model", model.name());
    h.put("block_size", model.blockSize());
    h.put("max_batch", scheduler.maxBatch());
    h.put("slots_in_use", scheduler.slotsInUse());
    h.put("queued", scheduler.queued());
    h.put("decode_steps", scheduler.steps());
    h.put("max_rows_per_step", scheduler.maxRowsPerStep());
    h.put("tokens_generated", scheduler.tokens());
    h.put("cancelled_sequences", scheduler.cancelledSequences());
    h.put("failed_generations", scheduler.failedGenerations());
    h.put("clients_gone", completions.clientsGone());
    h.put("auth", key.required());
    return h.toString();
  }

  /** An error answer, unless the status line is already out (a stream), in which case the connection just ends. */
  private void answer(HttpExchange ex, ApiError e) {
    if (ex.getResponseCode() != -1) {
      return;
    }
    try {
      Http.error(ex, e);
    } catch (IOException gone) {
      // nobody to answer
    }
  }

  private static byte[] resource(String name) {
    try (InputStream in = ApiServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("resource " + name + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
