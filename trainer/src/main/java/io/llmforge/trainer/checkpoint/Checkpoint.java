package io.llmforge.trainer.checkpoint;

import io.llmforge.trainer.data.TokenBatches;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.optim.AdamW;
import io.llmforge.trainer.reference.GptModel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A checkpoint folder (DESIGN.md, "checkpoints"): {@code config.json} (the {@link GptConfig}),
 * {@code weights.bin} (every parameter by name), {@code optimizer.bin} (AdamW's step count and moments) and
 * {@code trainer_state.json} ({@link TrainerState}). Other files in the folder (metrics.jsonl, tokenizer.json)
 * belong to the run and survive every save. Arrays are stored in ND4J's own binary format, keyed by
 * parameter name, so a checkpoint loads into any model built from the same config.
 *
 * <p>Saving is all-or-nothing: everything is written to a sibling temporary folder, the old checkpoint is renamed
 * aside and the new one renamed into place, so a kill while saving leaves a complete checkpoint: the previous one
 * (under {@code <name>.old-*} if the kill fell between the two renames) or the new one.
 */
public final class Checkpoint {
  public static final String CONFIG = "config.json";
  public static final String WEIGHTS = "weights.bin";
  public static final String OPTIMIZER = "optimizer.bin";
  public static final String STATE = "trainer_state.json";
  private static final String WEIGHTS_MAGIC = "llmforge-weights/1";
  private static final String OPTIMIZER_MAGIC = "llmforge-adamw/1";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Checkpoint() {}

  /** Writes model weights, optimiser state and trainer state to {@code folder}, replacing it atomically. */
  public static void save(Path folder, GptModel model, AdamW optimizer, TrainerState state) {
    Path tmp = folder.resolveSibling(folder.getFileName() + ".tmp-" + System.nanoTime());
    try {
      Files.createDirectories(tmp);
      Files.writeString(tmp.resolve(CONFIG), configJson(model.config()));
      try (DataOutputStream out = output(tmp.resolve(WEIGHTS))) {
        out.writeUTF(WEIGHTS_MAGIC);
        List<String> names = model.parameterNames();
        out.writeInt(names.size());
        for (String name : names) {
          out.writeUTF(name);
          Nd4j.write(model.parameter(name), out);
        }
      }
      try (DataOutputStream out = output(tmp.resolve(OPTIMIZER))) {
        out.writeUTF(OPTIMIZER_MAGIC);
        out.writeLong(optimizer.steps());
        List<String> withState = model.parameterNames().stream().filter(n -> optimizer.firstMoment(n) != null)
            .toList();
        out.writeInt(withState.size());
        for (String name : withState) {
          out.writeUTF(name);
          Nd4j.write(optimizer.firstMoment(name), out);
          Nd4j.write(optimizer.secondMoment(name), out);
        }
      }
      Files.writeString(tmp.resolve(STATE), stateJson(state));
      carryOver(folder, tmp);
      replace(tmp, folder);
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw new UncheckedIOException("cannot save checkpoint " + folder, e);
    }
  }

  /** Whether {@code folder} holds a complete checkpoint. */
  public static boolean exists(Path folder) {
    return Stream.of(CONFIG, WEIGHTS, OPTIMIZER, STATE).allMatch(f -> Files.isRegularFile(folder.resolve(f)));
  }

  /** The model configuration a checkpoint was trained with. */
  public static GptConfig readConfig(Path folder) {
    try {
      JsonNode n = JSON.readTree(Files.readString(folder.resolve(CONFIG)));
      return new GptConfig(n.path("vocab_size").asInt(), n.path("block_size").asInt(), n.path("n_layer").asInt(),
          n.path("n_head").asInt(), n.path("n_embd").asInt(), n.path("dropout").asDouble(), n.path("seed").asLong());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + folder.resolve(CONFIG), e);
    }
  }

  /** Copies the saved weights into {@code model}, which must have the checkpoint's config. */
  public static void loadWeights(Path folder, GptModel model) {
    GptConfig saved = readConfig(folder);
    if (!saved.equals(model.config())) {
      throw new IllegalArgumentException("checkpoint " + folder + " was trained with " + saved + ", not "
          + model.config());
    }
    try (DataInputStream in = input(folder.resolve(WEIGHTS))) {
      expectMagic(in, WEIGHTS_MAGIC, folder.resolve(WEIGHTS));
      int count = in.readInt();
      if (count != model.parameterNames().size()) {
        throw new IllegalStateException(folder.resolve(WEIGHTS) + " has " + count + " parameters, the model "
            + model.parameterNames().size());
      }
      for (int i = 0; i < count; i++) {
        String name = in.readUTF();
        INDArray value = Nd4j.read(in);
        INDArray target = model.parameter(name);
        if (!Arrays.equals(target.shape(), value.shape())) {
          throw new IllegalStateException("parameter " + name + " has shape " + Arrays.toString(
              value.shape()) + " in the checkpoint, " + Arrays.toString(target.shape()) + " in the model");
        }
        target.assign(value.castTo(target.dataType()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + folder.resolve(WEIGHTS), e);
    }
  }

  /**
   * Restores a full training state: weights into {@code model}, moments and step count into {@code optimizer};
   * returns the trainer state to continue from.
   */
  public static TrainerState restore(Path folder, GptModel model, AdamW optimizer) {
    loadWeights(folder, model);
    try (DataInputStream in = input(folder.resolve(OPTIMIZER))) {
      expectMagic(in, OPTIMIZER_MAGIC, folder.resolve(OPTIMIZER));
      long steps = in.readLong();
      int count = in.readInt();
      Map<String, INDArray> first = new LinkedHashMap<>();
      Map<String, INDArray> second = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        String name = in.readUTF();
        first.put(name, Nd4j.read(in));
        second.put(name, Nd4j.read(in));
      }
      optimizer.restore(steps, first, second);
      return readState(folder);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + folder.resolve(OPTIMIZER), e);
    }
  }

  /** The {@code trainer_state.json} of a checkpoint. */
  public static TrainerState readState(Path folder) {
    try {
      JsonNode n = JSON.readTree(Files.readString(folder.resolve(STATE)));
      JsonNode c = n.path("cursor");
      return new TrainerState(n.path("step").asLong(), n.path("tokens_seen").asLong(),
          new TokenBatches.Cursor(c.path("epoch").asLong(), c.path("shard").asInt(), c.path("row").asLong()),
          n.path("seed").asLong());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + folder.resolve(STATE), e);
    }
  }

  static String configJson(GptConfig c) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("vocab_size", c.vocabSize());
    n.put("block_size", c.blockSize());
    n.put("n_layer", c.nLayer());
    n.put("n_head", c.nHead());
    n.put("n_embd", c.nEmbd());
    n.put("dropout", c.dropout());
    n.put("seed", c.seed());
    return JSON.writeValueAsString(n) + "\n";
  }

  static String stateJson(TrainerState s) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("step", s.step());
    n.put("tokens_seen", s.tokensSeen());
    ObjectNode c = n.putObject("cursor");
    c.put("epoch", s.cursor().epoch());
    c.put("shard", s.cursor().shard());
    c.put("row", s.cursor().row());
    n.put("seed", s.seed());
    return JSON.writeValueAsString(n) + "\n";
  }

  /**
   * Copies the files that live next to the checkpoint but are not part of it (metrics.jsonl, tokenizer.json, the
   * loss curve) into the new folder, so replacing the checkpoint keeps them.
   */
  private static void carryOver(Path folder, Path tmp) throws IOException {
    if (!Files.isDirectory(folder)) {
      return;
    }
    Set<String> own = Set.of(CONFIG, WEIGHTS, OPTIMIZER, STATE);
    try (Stream<Path> files = Files.list(folder)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        if (!own.contains(f.getFileName().toString())) {
          Files.copy(f, tmp.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  private static void replace(Path tmp, Path folder) throws IOException {
    Path old = null;
    if (Files.exists(folder)) {
      old = folder.resolveSibling(folder.getFileName() + ".old-" + System.nanoTime());
      Files.move(folder, old, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.move(tmp, folder, StandardCopyOption.ATOMIC_MOVE);
    if (old != null) {
      deleteQuietly(old);
    }
  }

  private static void expectMagic(DataInputStream in, String magic, Path file) throws IOException {
    String found = in.readUTF();
    if (!magic.equals(found)) {
      throw new IllegalStateException(file + " is not a " + magic + " file (found '" + found + "')");
    }
  }

  private static DataOutputStream output(Path file) throws IOException {
    return new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
  }

  private static DataInputStream input(Path file) throws IOException {
    return new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort: a leftover temporary folder is harmless
    }
  }
}
