package io.llmforge.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.shards.ShardManifest;
import io.llmforge.trainer.data.TestShards;
import io.llmforge.trainer.data.TokenBatches;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.optim.OptimizerSettings;
import io.llmforge.trainer.loop.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class CheckpointTest {
  static final GptConfig CONFIG = new GptConfig(31, 6, 1, 2, 8, 0.0, 3);
  static final OptimizerSettings OPTIM = new OptimizerSettings(5e-3, 5e-4, 2, 10, 0.9, 0.99, 1e-8, 0.1, 1.0, 1);
  static final int BATCH = 2;

  static void train(Trainer trainer, TokenBatches batches, int steps) {
    for (int i = 0; i < steps; i++) {
      trainer.step(List.<int[][]>of(batches.next()));
    }
  }

  private static Path save(Path run, Trainer t, TokenBatches batches, int keepLast) {
    return Checkpoint.save(run, t.engine(), t.optimizer(),
        new TrainerState(t.step(), t.step() * 12, batches.cursor(), CONFIG.seed()), null, keepLast);
  }

  @Test
  void resumingFromACheckpointContinuesExactly(@TempDir Path dir) throws Exception {
    Configuration conf = new Configuration();
    Path shards = dir.resolve("shards");
    ShardManifest manifest = TestShards.write(shards, CONFIG.blockSize(), CONFIG.vocabSize(), 5, 4);
    Path run = dir.resolve("run");
    Trainer straight = new Trainer(new GptEngine(CONFIG), OPTIM);
    try (TokenBatches batches = new TokenBatches(conf, shards.toString(), manifest, ShardManifest.TRAIN, BATCH,
        TokenBatches.Cursor.START)) {
      train(straight, batches, 3);
      save(run, straight, batches, 3);
      train(straight, batches, 4);
    }
    Path latest = Runs.latest(run);
    assertEquals("step-00000003", latest.getFileName().toString());
    GptEngine engine = new GptEngine(Checkpoint.readConfig(latest));
    Trainer resumed = new Trainer(engine, OPTIM);
    TrainerState state = Checkpoint.restore(latest, engine, resumed.optimizer());
    assertEquals(3, resumed.step());
    try (TokenBatches batches = new TokenBatches(conf, shards.toString(), manifest, ShardManifest.TRAIN, BATCH,
        state.cursor())) {
      train(resumed, batches, 4);
    }
    assertArrayEquals(straight.engine().parameters().trainableValues().toFloatVector(),
        engine.parameters().trainableValues().toFloatVector(), "weights differ after resume");
    assertArrayEquals(straight.optimizer().secondMoment().toFloatVector(),
        resumed.optimizer().secondMoment().toFloatVector());
  }

  @Test
  void keepsTheLastNAndPointsLatestAtTheNewest(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run");
    GptEngine engine = new GptEngine(CONFIG);
    Trainer t = new Trainer(engine, OPTIM);
    for (int step = 1; step <= 4; step++) {
      Checkpoint.save(run, engine, t.optimizer(), new TrainerState(step, 7 * step,
          new TokenBatches.Cursor(1, 0, step), 3), null, 2);
    }
    assertEquals(List.of("step-00000003", "step-00000004"),
        Checkpoint.stepFolders(run).stream().map(p -> p.getFileName().toString()).toList());
    assertEquals(new TrainerState(4, 28, new TokenBatches.Cursor(1, 0, 4), 3), Runs.state(run));
    assertEquals(CONFIG, Checkpoint.readConfig(Runs.latest(run)));
    assertTrue(Files.readString(Runs.latest(run).resolve(Checkpoint.STATE), StandardCharsets.UTF_8)
        .contains("\"model.safetensors\""), "trainer_state.json lists the files' sha256");
  }

  @Test
  void aTruncatedLatestCheckpointIsReportedAndThePreviousOneUsed(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run");
    GptEngine engine = new GptEngine(CONFIG);
    Trainer t = new Trainer(engine, OPTIM);
    Checkpoint.save(run, engine, t.optimizer(), new TrainerState(1, 1, TokenBatches.Cursor.START, 3), null, 3);
    Path second = Checkpoint.save(run, engine, t.optimizer(), new TrainerState(2, 2, TokenBatches.Cursor.START, 3),
        null, 3);
    Path model = second.resolve(Checkpoint.MODEL);
    try (RandomAccessFile f = new RandomAccessFile(model.toFile(), "rw")) {
      f.setLength(f.length() / 2); // a kill mid-copy, a full disk
    }
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    Optional<Path> good = Checkpoint.latestGood(run, new PrintStream(log, true, StandardCharsets.UTF_8));
    assertEquals("step-00000001", good.orElseThrow().getFileName().toString());
    String warning = log.toString(StandardCharsets.UTF_8);
    assertTrue(warning.contains(model.toString()) && warning.contains("sha256"), warning);

    // one flipped byte is caught the same way; with no good checkpoint left there is none to resume
    Path first = good.get().resolve(Checkpoint.MODEL);
    byte[] bytes = Files.readAllBytes(first);
    bytes[bytes.length - 3] ^= 0x5a;
    Files.write(first, bytes);
    assertTrue(Checkpoint.latestGood(run, new PrintStream(new ByteArrayOutputStream())).isEmpty());
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Checkpoint.resolve(run, new PrintStream(new ByteArrayOutputStream())));
    assertTrue(e.getMessage().contains("no usable checkpoint"), e.getMessage());
  }

  @Test
  void aCheckpointOfAnotherModelOrTheOldFormatIsRefusedClearly(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run");
    GptEngine engine = new GptEngine(CONFIG);
    Path c = Checkpoint.save(run, engine, new Trainer(engine, OPTIM).optimizer(),
        new TrainerState(0, 0, TokenBatches.Cursor.START, 3), null, 3);
    GptEngine other = new GptEngine(new GptConfig(31, 6, 1, 2, 16, 0.0, 3));
    assertThrows(IllegalArgumentException.class, () -> Checkpoint.loadWeights(c, other));
    assertFalse(Checkpoint.exists(dir.resolve("missing")));

    Path legacy = dir.resolve("legacy");
    Files.createDirectories(legacy);
    Files.write(legacy.resolve("weights.bin"), new byte[] {0, 1, 2});
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Checkpoint.latestGood(legacy, System.out));
    assertTrue(e.getMessage().contains("old llmforge format"), e.getMessage());
  }

  @Test
  void loraAdaptersAreSavedApartAndLoadBack(@TempDir Path dir) throws Exception {
    LoraSettings lora = new LoraSettings(2, 4, 0, java.util.Set.of("attn.c_attn", "mlp.c_fc"), List.of(7, 3));
    GptEngine engine = new GptEngine(CONFIG, DataType.FLOAT, lora, n -> false);
    engine.parameters().value("h.0.attn.c_attn.lora_B").assign(0.25);
    engine.parameters().value("wte.trainable_tokens_delta").getRow(1).assign(0.5);
    Path c = Checkpoint.save(dir.resolve("run"), engine, new Trainer(engine, OPTIM).optimizer(),
        new TrainerState(1, 1, TokenBatches.Cursor.START, 3), null, 3);
    assertTrue(Files.isRegularFile(c.resolve(Checkpoint.ADAPTER)));
    assertEquals(lora, Checkpoint.readLora(c));
    assertEquals(List.of(3, 7), Checkpoint.readLora(c).trainableTokens(), "ids sorted, saved with the adapters");
    assertTrue(SafeTensors.read(c.resolve(Checkpoint.ADAPTER)).tensors().containsKey("wte.trainable_tokens_delta"));
    assertTrue(!SafeTensors.read(c.resolve(Checkpoint.MODEL)).tensors().containsKey("wte.trainable_tokens_delta"));
    GptEngine again = new GptEngine(CONFIG, DataType.FLOAT, Checkpoint.readLora(c), n -> false);
    Checkpoint.loadWeights(c, again);
    assertArrayEquals(engine.parameters().value("h.0.attn.c_attn.lora_B").dup().reshape(-1).toFloatVector(),
        again.parameters().value("h.0.attn.c_attn.lora_B").dup().reshape(-1).toFloatVector());
    assertArrayEquals(engine.parameters().value("wte.trainable_tokens_delta").dup().reshape(-1).toFloatVector(),
        again.parameters().value("wte.trainable_tokens_delta").dup().reshape(-1).toFloatVector());
    // the base alone loads into a model without adapters (merge, or use the base for another adapter)
    GptEngine base = new GptEngine(CONFIG);
    Checkpoint.loadWeights(c, base);
    assertArrayEquals(engine.parameters().value("wte.weight").dup().reshape(-1).toFloatVector(),
        base.parameters().value("wte.weight").dup().reshape(-1).toFloatVector());
  }

  @Test
  void safetensorsRoundTripAndTruncationIsNamed(@TempDir Path dir) throws Exception {
    Map<String, INDArray> tensors = new LinkedHashMap<>();
    tensors.put("a.weight", Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}}));
    tensors.put("b", Nd4j.createFromArray(new double[] {7.5, -8}));
    INDArray flat = Nd4j.createFromArray(new float[] {0, 9, 10, 11});
    tensors.put("view", flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 4))); // offset views write right
    Path file = dir.resolve("t.safetensors");
    SafeTensors.write(file, tensors, Map.of("step", "12"));
    byte[] raw = Files.readAllBytes(file);
    long headerLength = java.nio.ByteBuffer.wrap(raw, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    String header = new String(raw, 8, (int) headerLength, StandardCharsets.UTF_8);
    assertTrue(header.contains("\"a.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}"), header);
    assertEquals(8 + headerLength + 24 + 16 + 12, raw.length);

    SafeTensors.Contents back = SafeTensors.read(file);
    assertEquals(List.of("a.weight", "b", "view"), List.copyOf(back.tensors().keySet()));
    assertEquals("12", back.metadata().get("step"));
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, back.tensors().get("a.weight").reshape(-1).toFloatVector());
    assertEquals(DataType.DOUBLE, back.tensors().get("b").dataType());
    assertArrayEquals(new float[] {9, 10, 11}, back.tensors().get("view").toFloatVector());

    Files.write(file, java.util.Arrays.copyOf(raw, raw.length - 5));
    CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> SafeTensors.read(file));
    assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("truncated"), e.getMessage());
  }
}
