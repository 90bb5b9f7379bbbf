package io.llmforge.trainer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.trainer.data.TokenBatches;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.engine.Parameters;
import io.llmforge.trainer.optim.AdamW;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The checkpoints of a training run (DESIGN.md, "checkpoints"): the run folder holds {@code step-NNNNNNNN/} folders
 * and a {@code latest} file naming the newest; the last {@code keep-last} are kept. A checkpoint folder holds
 * {@code config.json} (the {@link GptConfig}), {@code model.safetensors} (every tensor by its Hugging Face GPT-2 name;
 * LoRA adapters apart in {@code adapter.safetensors} with their rank, alpha, targets and trainable token ids),
 * {@code optimizer.safetensors} (AdamW's moments per trainable tensor, step count in the metadata), the tokenizer
 * when the run has one, and {@code trainer_state.json} ({@link TrainerState} plus the sha256 of every other file).
 *
 * <p>Writing is atomic: a checkpoint is written to a hidden temporary folder, renamed to {@code step-N}, and only
 * then does {@code latest} move (itself written to a temporary file and renamed). Loading verifies every file's
 * sha256 and structure; a corrupt or truncated checkpoint is reported by file name and the previous good one is
 * used. Run-level files (metrics.jsonl, loss_curve.svg, stats.json) stay in the run folder.
 */
public final class Checkpoint {
  public static final String CONFIG = "config.json";
  public static final String MODEL = "model.safetensors";
  /** LoRA adapters ({@code *.lora_A}, {@code *.lora_B}, trainable token rows), kept apart from the base weights. */
  public static final String ADAPTER = "adapter.safetensors";
  /** adapter.safetensors' metadata key for the ids of the trainable token rows (comma-separated). */
  private static final String TRAINABLE_TOKENS = "trainable_tokens";
  public static final String OPTIMIZER = "optimizer.safetensors";
  public static final String STATE = "trainer_state.json";
  public static final String TOKENIZER = "tokenizer.json";
  public static final String LATEST = "latest";
  /** The pre-engine format (SameDiff parameter names, ND4J binary arrays). */
  static final String LEGACY_WEIGHTS = "weights.bin";
  private static final Pattern STEP_FOLDER = Pattern.compile("step-(\\d{8})");
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Checkpoint() {}

  /** The folder name of the checkpoint at {@code step}. */
  public static String folderName(long step) {
    return String.format("step-%08d", step);
  }

  /**
   * Saves the model, the optimiser and the trainer state as {@code run/step-N}, points {@code latest} at it and
   * deletes all but the newest {@code keepLast} checkpoints. {@code tokenizer} (may be null) is copied in.
   */
  public static Path save(Path run, GptEngine engine, AdamW optimizer, TrainerState state, Path tokenizer,
      int keepLast) {
    Path target = run.resolve(folderName(state.step()));
    Path tmp = run.resolve("." + folderName(state.step()) + ".tmp-" + System.nanoTime());
    try {
      Files.createDirectories(tmp);
      Files.writeString(tmp.resolve(CONFIG), configJson(engine.config()));
      Map<String, INDArray> base = new LinkedHashMap<>();
      Map<String, INDArray> adapters = new LinkedHashMap<>();
      engine.parameters().valuesByName().forEach((name, value) ->
          (isAdapter(name) ? adapters : base).put(name, value));
      SafeTensors.write(tmp.resolve(MODEL), base, Map.of("format", "pt", "producer", "llmforge"));
      if (!adapters.isEmpty()) {
        SafeTensors.write(tmp.resolve(ADAPTER), adapters, adapterMetadata(engine.lora()));
      }
      SafeTensors.write(tmp.resolve(OPTIMIZER), optimizerTensors(engine.parameters(), optimizer),
          Map.of("steps", Long.toString(optimizer.steps()), "optimizer", "adamw"));
      if (tokenizer != null && Files.isRegularFile(tokenizer)) {
        Files.copy(tokenizer, tmp.resolve(TOKENIZER));
      }
      Map<String, String> sums = new LinkedHashMap<>();
      try (Stream<Path> files = Files.list(tmp)) {
        for (Path f : files.sorted().toList()) {
          sums.put(f.getFileName().toString(), sha256(f));
        }
      }
      Files.writeString(tmp.resolve(STATE), stateJson(state, sums));
      if (Files.exists(target)) { // a re-run of the same step (resumed after a kill between rename and latest)
        deleteRecursively(target);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      pointLatestAt(run, target.getFileName().toString());
      prune(run, keepLast);
      return target;
    } catch (IOException e) {
      deleteRecursively(tmp);
      throw new UncheckedIOException("cannot save checkpoint " + target, e);
    }
  }

  /** AdamW's flat moments cut into per-tensor views, named like PyTorch's state ({@code exp_avg.<name>}). */
  private static Map<String, INDArray> optimizerTensors(Parameters p, AdamW optimizer) {
    Map<String, INDArray> t = new LinkedHashMap<>();
    for (String name : p.names()) {
      if (p.trainable(name)) {
        t.put("exp_avg." + name, p.alignedView(optimizer.firstMoment(), name));
        t.put("exp_avg_sq." + name, p.alignedView(optimizer.secondMoment(), name));
      }
    }
    return t;
  }

  private static void pointLatestAt(Path run, String folder) throws IOException {
    Path tmp = run.resolve("." + LATEST + ".tmp-" + System.nanoTime());
    Files.writeString(tmp, folder + "\n");
    Files.move(tmp, run.resolve(LATEST), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void prune(Path run, int keepLast) throws IOException {
    List<Path> steps = stepFolders(run);
    for (int i = 0; i < steps.size() - Math.max(1, keepLast); i++) {
      deleteRecursively(steps.get(i));
    }
  }

  /** The run's step folders, oldest first. */
  public static List<Path> stepFolders(Path run) {
    if (!Files.isDirectory(run)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(run)) {
      return files.filter(f -> Files.isDirectory(f) && STEP_FOLDER.matcher(f.getFileName().toString()).matches())
          .sorted(Comparator.comparing(f -> f.getFileName().toString())).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + run, e);
    }
  }

  /** Whether the run folder has any checkpoint (good or not; {@link #latestGood} decides). */
  public static boolean exists(Path run) {
    return !stepFolders(run).isEmpty() || Files.exists(run.resolve(LATEST));
  }

  /**
   * The newest checkpoint of a run that verifies: the one {@code latest} names, else each older step folder in turn.
   * Every skipped one is reported on {@code warnings} with the reason (which file, what is wrong). Empty when there is
   * no good checkpoint. A legacy (pre-safetensors) run fails with a message saying so.
   */
  public static Optional<Path> latestGood(Path run, PrintStream warnings) {
    if (Files.isRegularFile(run.resolve(LEGACY_WEIGHTS))) {
      throw new IllegalStateException(run + " holds a checkpoint in the old llmforge format (" + LEGACY_WEIGHTS
          + ", SameDiff parameter names), which this version cannot load; retrain into a new output, or delete "
          + "it (--overwrite)");
    }
    List<Path> candidates = new ArrayList<>();
    Path latest = run.resolve(LATEST);
    if (Files.isRegularFile(latest)) {
      try {
        String name = Files.readString(latest).strip();
        if (STEP_FOLDER.matcher(name).matches()) {
          candidates.add(run.resolve(name));
        } else {
          warnings.println("checkpoint: " + latest + " names '" + name + "', not a step folder; ignoring it");
        }
      } catch (IOException e) {
        warnings.println("checkpoint: cannot read " + latest + ": " + e.getMessage());
      }
    }
    List<Path> steps = new ArrayList<>(stepFolders(run));
    java.util.Collections.reverse(steps);
    for (Path s : steps) {
      if (!candidates.contains(s)) {
        candidates.add(s);
      }
    }
    for (Path c : candidates) {
      Optional<String> problem = verify(c);
      if (problem.isEmpty()) {
        return Optional.of(c);
      }
      warnings.println("checkpoint: " + problem.get() + "; skipping " + c.getFileName()
          + (candidates.indexOf(c) < candidates.size() - 1 ? " for the previous checkpoint" : ""));
    }
    return Optional.empty();
  }

  /**
   * A checkpoint folder to load for inference: {@code path} itself when it is a checkpoint folder (verified), else
   * the newest good checkpoint of the run folder {@code path}.
   */
  public static Path resolve(Path path, PrintStream warnings) {
    if (Files.isRegularFile(path.resolve(STATE)) || Files.isRegularFile(path.resolve(MODEL))) {
      verify(path).ifPresent(problem -> {
        throw new IllegalStateException("checkpoint " + problem);
      });
      return path;
    }
    return latestGood(path, warnings).orElseThrow(() -> new IllegalStateException(
        path + " has no usable checkpoint (expected step-N folders with " + MODEL + " and a '" + LATEST + "' file)"));
  }

  /** Empty when every file of the checkpoint is present, matches its sha256 and parses; else what is wrong. */
  public static Optional<String> verify(Path checkpoint) {
    try {
      JsonNode state = readJson(checkpoint.resolve(STATE));
      JsonNode files = state.path("files");
      if (!files.isObject() || !files.has(MODEL) || !files.has(CONFIG)) {
        return Optional.of(checkpoint.resolve(STATE) + " lists no sha256 for " + MODEL + " and " + CONFIG);
      }
      for (var it = files.fields(); it.hasNext(); ) {
        var e = it.next();
        Path f = checkpoint.resolve(e.getKey());
        if (!Files.isRegularFile(f)) {
          return Optional.of(f + " is missing");
        }
        if (!sha256(f).equals(e.getValue().asText())) {
          return Optional.of(f + " does not match its sha256 in " + STATE + " (corrupt or truncated)");
        }
      }
      readConfig(checkpoint);
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.of(e.getMessage());
    }
  }

  /**
   * The tokenizer.json of a checkpoint folder: its own copy, else the run folder's (runs written before checkpoints
   * carried one). The path may not exist.
   */
  public static Path tokenizerFile(Path checkpoint) {
    Path own = checkpoint.resolve(TOKENIZER);
    Path parent = checkpoint.toAbsolutePath().getParent();
    return Files.isRegularFile(own) || parent == null ? own : parent.resolve(TOKENIZER);
  }

  public static GptConfig readConfig(Path checkpoint) {
    try {
      JsonNode n = readJson(checkpoint.resolve(CONFIG));
      return new GptConfig(n.path("vocab_size").asInt(), n.path("block_size").asInt(), n.path("n_layer").asInt(),
          n.path("n_head").asInt(), n.path("n_embd").asInt(), n.path("dropout").asDouble(), n.path("seed").asLong());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + checkpoint.resolve(CONFIG), e);
    }
  }

  /** Copies the saved tensors into {@code engine} by name (its config must match; extra LoRA tensors may be new). */
  public static void loadWeights(Path checkpoint, GptEngine engine) {
    GptConfig saved = readConfig(checkpoint);
    if (!saved.equals(engine.config())) {
      throw new IllegalArgumentException("checkpoint " + checkpoint + " was trained with " + saved + ", not "
          + engine.config());
    }
    Map<String, INDArray> tensors = new LinkedHashMap<>(readTensors(checkpoint.resolve(MODEL)));
    if (Files.isRegularFile(checkpoint.resolve(ADAPTER))) {
      tensors.putAll(readTensors(checkpoint.resolve(ADAPTER)));
    }
    Parameters p = engine.parameters();
    for (String name : p.names()) {
      INDArray value = tensors.get(name);
      if (value == null) {
        if (isAdapter(name) || GptEngine.isHeadTensor(name)) {
          continue; // a fresh adapter or head on a base checkpoint keeps its initialisation
        }
        throw new IllegalStateException(checkpoint.resolve(MODEL) + " has no tensor " + name);
      }
      if (!Arrays.equals(value.shape(), p.value(name).shape())) {
        throw new IllegalStateException(checkpoint.resolve(MODEL) + ": tensor " + name + " has shape "
            + Arrays.toString(value.shape()) + ", the model " + Arrays.toString(p.value(name).shape()));
      }
      p.value(name).assign(value.castTo(p.dataType()));
    }
  }

  /** The LoRA settings a checkpoint's adapters were trained with; {@link LoraSettings#NONE} without adapters. */
  public static LoraSettings readLora(Path checkpoint) {
    Path file = checkpoint.resolve(ADAPTER);
    if (!Files.isRegularFile(file)) {
      return LoraSettings.NONE;
    }
    Map<String, String> m = readContents(file).metadata();
    String tokens = m.getOrDefault(TRAINABLE_TOKENS, "");
    return new LoraSettings(Integer.parseInt(m.get("rank")), Double.parseDouble(m.get("alpha")),
        Double.parseDouble(m.get("dropout")), java.util.Set.of(m.get("targets").split(",")),
        tokens.isEmpty() ? List.of() : Arrays.stream(tokens.split(",")).map(Integer::valueOf).toList());
  }

  /** adapter.safetensors' metadata: what {@link #readLora} reads back (trainable_tokens only when there are some). */
  private static Map<String, String> adapterMetadata(LoraSettings lora) {
    Map<String, String> m = new LinkedHashMap<>(Map.of("rank", String.valueOf(lora.rank()),
        "alpha", String.valueOf(lora.alpha()), "dropout", String.valueOf(lora.dropout()),
        "targets", String.join(",", new java.util.TreeSet<>(lora.targets()))));
    if (!lora.trainableTokens().isEmpty()) {
      m.put(TRAINABLE_TOKENS, lora.trainableTokens().stream().map(String::valueOf).collect(
          java.util.stream.Collectors.joining(",")));
    }
    return m;
  }

  private static boolean isAdapter(String name) {
    return GptEngine.isAdapterTensor(name);
  }

  /** Restores weights, optimiser moments and step count; returns the trainer state to continue from. */
  public static TrainerState restore(Path checkpoint, GptEngine engine, AdamW optimizer) {
    loadWeights(checkpoint, engine);
    SafeTensors.Contents opt = readContents(checkpoint.resolve(OPTIMIZER));
    Parameters p = engine.parameters();
    INDArray m = optimizer.firstMoment().dup();
    INDArray v = optimizer.secondMoment().dup();
    for (String name : p.names()) {
      if (p.trainable(name)) {
        INDArray first = opt.tensors().get("exp_avg." + name);
        INDArray second = opt.tensors().get("exp_avg_sq." + name);
        if (first == null || second == null) {
          throw new IllegalStateException(checkpoint.resolve(OPTIMIZER) + " has no moments for " + name);
        }
        p.alignedView(m, name).assign(first.castTo(m.dataType()));
        p.alignedView(v, name).assign(second.castTo(v.dataType()));
      }
    }
    optimizer.restore(Long.parseLong(opt.metadata().getOrDefault("steps", "0")), m, v);
    return readState(checkpoint);
  }

  public static TrainerState readState(Path checkpoint) {
    try {
      JsonNode n = readJson(checkpoint.resolve(STATE));
      return new TrainerState(n.path("step").asLong(), n.path("tokens_seen").asLong(), cursor(n.path("cursor")),
          n.path("seed").asLong(), n.has("replay_cursor") ? cursor(n.path("replay_cursor")) : null);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + checkpoint.resolve(STATE), e);
    }
  }

  private static Map<String, INDArray> readTensors(Path file) {
    return readContents(file).tensors();
  }

  private static SafeTensors.Contents readContents(Path file) {
    try {
      return SafeTensors.read(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }

  private static JsonNode readJson(Path file) throws IOException {
    try {
      return JSON.readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new CorruptCheckpointException(file, "is missing");
    } catch (IOException e) {
      throw new CorruptCheckpointException(file, "is not valid JSON (" + e.getMessage().lines().findFirst()
          .orElse("") + ")");
    }
  }

  static String configJson(GptConfig c) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("model_type", "gpt2");
    n.put("vocab_size", c.vocabSize());
    n.put("block_size", c.blockSize());
    n.put("n_layer", c.nLayer());
    n.put("n_head", c.nHead());
    n.put("n_embd", c.nEmbd());
    n.put("dropout", c.dropout());
    n.put("seed", c.seed());
    return JSON.writeValueAsString(n) + "\n";
  }

  static String stateJson(TrainerState s, Map<String, String> sums) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("step", s.step());
    n.put("tokens_seen", s.tokensSeen());
    putCursor(n.putObject("cursor"), s.cursor());
    if (s.replay() != null) {
      putCursor(n.putObject("replay_cursor"), s.replay());
    }
    n.put("seed", s.seed());
    n.put("lr_schedule_step", s.step());
    ObjectNode files = n.putObject("files");
    sums.forEach(files::put);
    return JSON.writeValueAsString(n) + "\n";
  }

  private static void putCursor(ObjectNode c, TokenBatches.Cursor cursor) {
    c.put("epoch", cursor.epoch());
    c.put("shard", cursor.shard());
    c.put("row", cursor.row());
  }

  private static TokenBatches.Cursor cursor(JsonNode c) {
    return new TokenBatches.Cursor(c.path("epoch").asLong(), c.path("shard").asInt(), c.path("row").asLong());
  }

  static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int r; (r = in.read(buf)) > 0; ) {
        d.update(buf, 0, r);
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
