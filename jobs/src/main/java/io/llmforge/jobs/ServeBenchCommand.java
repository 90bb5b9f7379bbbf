package io.llmforge.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.BpeTrainer;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.PreTokenizer;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.serve.ApiServer;
import io.llmforge.trainer.serve.ServeSettings;
import io.llmforge.trainer.serve.ServedModel;
import io.llmforge.trainer.sft.DemoConversations;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code llmforge bench serve}: the HTTP server under load, continuous batching against one sequence at a time. For
 * each client count, that many clients send streaming chat completions back to back (each answer exactly
 * {@code --max-tokens} long: the stop tokens are banned with logit_bias, greedy), first to a server with
 * {@code --max-batch} rows, then to one with a single row ({@code --no-batching}). Measured: generated tokens per
 * second over the whole run (wall clock), request latency (sent to {@code [DONE]}) p50 / p99, time to the first
 * token p50 / p99, and the mean rows per decoder step. Both servers run side by side and each client count runs
 * {@code --repeats} times on each, alternating which goes first, the fastest run counting: on a shared machine the
 * noise between two identical runs is larger than the difference between the modes at one client. Server and
 * clients share this process and its cores (the clients' cost is the same in both modes).
 *
 * <p>The model: {@code --checkpoint}, or by default a randomly initialised GPT (4 layers x 4 heads x 128, block 256)
 * with a BPE tokenizer trained on the demo's generated conversations: the cost of a token does not depend on what
 * the weights learned, and random weights keep the bench self-contained (seconds to set up, no data).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "HTTP serving throughput and latency at 1/8/32 concurrent clients, continuous batching on vs off; "
        + "table + JSON.")
final class ServeBenchCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--checkpoint", paramLabel = "DIR",
      description = "A trained model to serve instead of the random-initialised default.")
  Path checkpoint;

  @Option(names = "--clients", split = ",", defaultValue = "1,8,32",
      description = "Concurrent client counts (default: ${DEFAULT-VALUE}).")
  List<Integer> clients;

  @Option(names = "--requests", defaultValue = "64",
      description = "Requests per client count and mode, at least one per client (default: ${DEFAULT-VALUE}).")
  int requests;

  @Option(names = "--max-tokens", defaultValue = "64",
      description = "Tokens generated per request (default: ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(names = "--max-batch", defaultValue = "32",
      description = "Rows of the batching server (default: ${DEFAULT-VALUE}).")
  int maxBatch;

  @Option(names = "--repeats", defaultValue = "3",
      description = "Runs of each client count and mode, alternating which mode goes first; the fastest counts "
          + "(default: ${DEFAULT-VALUE}).")
  int repeats;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "work/bench",
      description = "Where serve.json goes (default: ${DEFAULT-VALUE}).")
  Path out;

  /** One client count in one mode. */
  record Row(String mode, int clients, int requests, long tokens, double seconds, double tokensPerSecond,
      double latencyP50, double latencyP99, double firstTokenP50, double firstTokenP99, double rowsPerStep,
      int errors, List<Double> allTokensPerSecond) {}

  @Override
  public Integer call() throws Exception {
    if (clients.isEmpty() || clients.stream().anyMatch(c -> c < 1) || requests < 1 || maxTokens < 1
        || maxBatch < 1 || repeats < 1) {
      System.err.println("bench serve: --clients, --requests, --max-tokens, --max-batch and --repeats must be >= 1");
      return 2;
    }
    ServedModel model = model();
    GptConfig config = model.engine().config();
    if (maxTokens + 64 > config.blockSize()) {
      System.err.println("bench serve: --max-tokens " + maxTokens + " leaves no room for the prompts in block "
          + config.blockSize());
      return 2;
    }
    System.out.printf(Locale.ROOT, "bench serve: %s, %d parameters, vocabulary %d; %d tokens per request, greedy; "
            + "%s threads%n", config, model.engine().parameters().count(), model.tokenizer().vocabSize(),
        maxTokens, System.getenv().getOrDefault("OMP_NUM_THREADS", "default"));
    List<Row> rows = new ArrayList<>();
    int queue = Math.max(64, 2 * Collections.max(clients));
    // both servers live side by side and every client count runs on one, then the other, minutes apart at most:
    // the machine's drift and the JIT's warm-up hit both modes alike
    try (ApiServer batched = ApiServer.start(model, ServeSettings.defaults().withMaxBatch(maxBatch)
            .withMaxQueue(queue), System.err);
        ApiServer single = ApiServer.start(model, ServeSettings.defaults().withMaxBatch(1).withMaxQueue(queue),
            System.err)) {
      for (ApiServer server : List.of(batched, single)) { // warm-up: JIT, the decoders' buffers
        load(server, Math.min(8, Collections.max(clients)), 16);
      }
      for (int c : clients) {
        Row[] best = new Row[2];
        List<List<Double>> all = List.of(new ArrayList<>(), new ArrayList<>());
        for (int repeat = 0; repeat < repeats; repeat++) {
          List<ApiServer> order = repeat % 2 == 0 ? List.of(batched, single) : List.of(single, batched);
          for (ApiServer server : order) {
            int mode = server == batched ? 0 : 1;
            JsonNode before = health(server);
            Row row = load(server, c, Math.max(requests, c));
            JsonNode after = health(server);
            double rowsPerStep = (double) (after.path("tokens_generated").asLong()
                - before.path("tokens_generated").asLong())
                / (after.path("decode_steps").asLong() - before.path("decode_steps").asLong());
            all.get(mode).add(row.tokensPerSecond());
            row = new Row(mode == 0 ? "batching (max-batch " + maxBatch + ")" : "no batching", row.clients(),
                row.requests(), row.tokens(), row.seconds(), row.tokensPerSecond(), row.latencyP50(),
                row.latencyP99(), row.firstTokenP50(), row.firstTokenP99(), rowsPerStep, row.errors(), all.get(mode));
            System.out.printf(Locale.ROOT, "  %-24s %2d clients, run %d: %7.1f tokens/s, latency p50 %6.0f ms, p99 "
                + "%6.0f ms, first token p50 %5.0f ms%n", row.mode(), c, repeat + 1, row.tokensPerSecond(),
                row.latencyP50(), row.latencyP99(), row.firstTokenP50());
            if (best[mode] == null || row.tokensPerSecond() > best[mode].tokensPerSecond()
                || row.errors() > 0) {
              best[mode] = row;
            }
          }
        }
        rows.add(best[0]);
        rows.add(best[1]);
      }
    }
    print(rows);
    write(rows, model);
    return rows.stream().anyMatch(r -> r.errors() > 0) ? 1 : 0;
  }

  private ServedModel model() throws IOException {
    if (checkpoint != null) {
      return ServedModel.load(checkpoint, null, System.err);
    }
    Path data = out.resolve("serve-data");
    DemoConversations.Summary chats = new DemoConversations(42).write(data, 600);
    List<String> texts = new ArrayList<>();
    for (Path f : chats.files()) {
      texts.add(new String(Files.readAllBytes(f), StandardCharsets.UTF_8)); // it has broken rows on purpose
    }
    ByteLevelBpe tokenizer = new BpeTrainer(PreTokenizer.Kind.GPT4, SpecialTokens.ALL, 2048, 2).trainOnText(texts)
        .tokenizer();
    GptEngine engine = new GptEngine(new GptConfig(tokenizer.vocabSize(), 256, 4, 4, 128, 0.0, 1337));
    return new ServedModel("bench-random-init", engine, tokenizer);
  }

  /** {@code n} requests from {@code c} clients, each client sending its share back to back. */
  private Row load(ApiServer server, int c, int n) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    ExecutorService pool = Executors.newFixedThreadPool(c);
    List<Future<List<double[]>>> results = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int client = 0; client < c; client++) {
      int first = client;
      results.add(pool.submit(() -> {
        List<double[]> mine = new ArrayList<>();
        for (int i = first; i < n; i += c) {
          mine.add(request(http, server, i));
        }
        return mine;
      }));
    }
    List<Double> latencies = new ArrayList<>();
    List<Double> firstTokens = new ArrayList<>();
    long tokens = 0;
    int errors = 0;
    for (Future<List<double[]>> f : results) {
      for (double[] r : f.get()) {
        if (r == null) {
          errors++;
          continue;
        }
        latencies.add(r[0]);
        firstTokens.add(r[1]);
        tokens += (long) r[2];
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    pool.shutdownNow();
    return new Row("", c, n, tokens, seconds, tokens / seconds, percentile(latencies, 50), percentile(latencies, 99),
        percentile(firstTokens, 50), percentile(firstTokens, 99), 0, errors, List.of());
  }

  /** One streamed request: {latency ms, first-token ms, completion tokens}, or null if it failed. */
  private double[] request(HttpClient http, ApiServer server, int i) {
    ObjectNode body = JSON.createObjectNode();
    body.putArray("messages").addObject().put("role", "user")
        .put("content", "Request " + i + ": what is " + (i % 10) + " plus " + (i % 7) + "?");
    body.put("temperature", 0);
    body.put("max_tokens", maxTokens);
    body.put("stream", true);
    body.putObject("stream_options").put("include_usage", true);
    ObjectNode bias = body.putObject("logit_bias");
    for (int id : server.model().template().stopIds()) {
      bias.put(String.valueOf(id), -100);
    }
    HttpRequest request = HttpRequest.newBuilder(server.url().resolve("v1/chat/completions"))
        .timeout(Duration.ofMinutes(10)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
    long t0 = System.nanoTime();
    double firstToken = -1;
    int tokens = -1;
    try {
      HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() != 200) {
        System.err.println("bench serve: request " + i + " answered " + r.statusCode() + ": "
            + new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
        return null;
      }
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        for (String line; (line = lines.readLine()) != null; ) {
          if (!line.startsWith("data: ")) {
            continue;
          }
          String data = line.substring(6);
          if (data.equals("[DONE]")) {
            break;
          }
          JsonNode chunk = JSON.readTree(data);
          if (firstToken < 0 && chunk.path("choices").path(0).path("delta").has("content")
              && !chunk.path("choices").path(0).path("delta").has("role")) {
            firstToken = (System.nanoTime() - t0) / 1e6;
          }
          if (chunk.has("usage")) {
            tokens = chunk.path("usage").path("completion_tokens").asInt();
          }
          if (chunk.has("error")) {
            System.err.println("bench serve: request " + i + " failed: " + chunk);
            return null;
          }
        }
      }
    } catch (IOException e) {
      System.err.println("bench serve: request " + i + ": " + e);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
    if (tokens != maxTokens) {
      System.err.println("bench serve: request " + i + " generated " + tokens + " tokens, not " + maxTokens);
      return null;
    }
    return new double[] {(System.nanoTime() - t0) / 1e6, firstToken, tokens};
  }

  private static JsonNode health(ApiServer server) throws IOException, InterruptedException {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.url().resolve("health"))
        .build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  /** Nearest-rank percentile. */
  static double percentile(List<Double> values, double p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  private void print(List<Row> rows) {
    PrintStream o = System.out;
    o.println();
    o.println("| mode | clients | requests | tokens/s | latency p50 (ms) | latency p99 (ms) | first token p50 (ms) "
        + "| first token p99 (ms) | rows per decoder step |");
    o.println("|---|---|---|---|---|---|---|---|---|");
    for (Row r : rows) {
      o.printf(Locale.ROOT, "| %s | %d | %d | %,.1f | %,.0f | %,.0f | %,.0f | %,.0f | %.1f |%n", r.mode(), r.clients(),
          r.requests(), r.tokensPerSecond(), r.latencyP50(), r.latencyP99(), r.firstTokenP50(), r.firstTokenP99(),
          r.rowsPerStep());
    }
    o.println();
    for (int c : clients) {
      Row on = find(rows, true, c);
      Row off = find(rows, false, c);
      o.printf(Locale.ROOT, "%d clients: batching gives %.2fx the throughput, %.2fx the p99 latency%n", c,
          on.tokensPerSecond() / off.tokensPerSecond(), on.latencyP99() / off.latencyP99());
    }
  }

  private static Row find(List<Row> rows, boolean batching, int c) {
    return rows.stream().filter(r -> r.clients() == c && r.mode().startsWith("batching") == batching).findFirst()
        .orElseThrow();
  }

  private void write(List<Row> rows, ServedModel model) throws IOException {
    List<Map<String, Object>> table = new ArrayList<>();
    for (Row r : rows) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("mode", r.mode());
      m.put("batching", r.mode().startsWith("batching"));
      m.put("clients", r.clients());
      m.put("requests", r.requests());
      m.put("completion_tokens", r.tokens());
      m.put("seconds", r.seconds());
      m.put("tokens_per_s", r.tokensPerSecond());
      m.put("latency_p50_ms", r.latencyP50());
      m.put("latency_p99_ms", r.latencyP99());
      m.put("first_token_p50_ms", r.firstTokenP50());
      m.put("first_token_p99_ms", r.firstTokenP99());
      m.put("mean_rows_per_step", r.rowsPerStep());
      m.put("errors", r.errors());
      m.put("tokens_per_s_of_every_run", r.allTokensPerSecond());
      table.add(m);
    }
    Map<String, Object> speedup = new LinkedHashMap<>();
    for (int c : clients) {
      speedup.put(String.valueOf(c), find(rows, true, c).tokensPerSecond() / find(rows, false, c).tokensPerSecond());
    }
    JobStats stats = new JobStats()
        .put("benchmark", "serve")
        .put("model", model.engine().config().toString())
        .put("model_name", model.name())
        .put("checkpoint", checkpoint == null ? null : checkpoint.toString())
        .put("parameters", model.engine().parameters().count())
        .put("vocab_size", model.tokenizer().vocabSize())
        .put("max_tokens", maxTokens)
        .put("max_batch", maxBatch)
        .put("decoding", "greedy, stop tokens banned (every answer is max_tokens long), streamed")
        .put("omp_threads", System.getenv("OMP_NUM_THREADS"))
        .put("repeats", repeats)
        .put("figures", "the fastest of the repeats of each client count and mode")
        .put("rows", table)
        .put("throughput_speedup_by_clients", speedup);
    Files.createDirectories(out);
    Path file = out.resolve("serve.json");
    Files.writeString(file, stats.toJson());
    System.out.println("wrote " + file);
  }
}
