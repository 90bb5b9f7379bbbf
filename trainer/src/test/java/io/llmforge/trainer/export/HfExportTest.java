package io.llmforge.trainer.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.checkpoint.SafeTensors;
import io.llmforge.trainer.checkpoint.TrainerState;
import io.llmforge.trainer.data.TokenBatches;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.engine.Parameters;
import io.llmforge.trainer.optim.AdamW;
import io.llmforge.trainer.optim.OptimizerSettings;
import io.llmforge.trainer.sft.TestTokenizers;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code export --format hf}: the folder is GPT-2's (names, shapes, config), a GPT-2 written independently in PyTorch
 * ({@code hf_gpt2_logits.py}, reading only the folder) computes our engine's logits from it, LoRA checkpoints export
 * merged, and the output rules hold (atomic, refused when not empty unless forced). The PyTorch checks are skipped
 * where {@code /usr/bin/python3} or its torch is missing.
 */
class HfExportTest {
  private static final String PYTHON = "/usr/bin/python3";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PrintStream QUIET = new PrintStream(PrintStream.nullOutputStream());
  /** The acceptance bound on logits: our float engine against the float64 reference. */
  private static final double LOGIT_TOLERANCE = 1e-4;
  private static String pythonProblem; // null: not checked yet; "": python with torch is there

  private static GptConfig config() {
    return new GptConfig(TestTokenizers.tiny().vocabSize(), 16, 2, 2, 24, 0.0, 11);
  }

  /** Weights away from their initial values (zero biases, unit gains and zero LoRA B would hide layout bugs). */
  private static void perturb(Parameters p, long seed) {
    Random r = new Random(seed);
    for (String name : p.names()) {
      INDArray v = p.value(name);
      double[] noise = new double[(int) v.length()];
      for (int i = 0; i < noise.length; i++) {
        noise[i] = r.nextGaussian() * 0.1;
      }
      try (INDArray n = Nd4j.create(noise, v.shape(), DataType.DOUBLE)) {
        v.addi(n.castTo(v.dataType()));
      }
    }
  }

  /** A run folder with one checkpoint of {@code engine} and the test tokenizer. */
  private static Path save(Path run, GptEngine engine) throws IOException {
    Files.createDirectories(run);
    Path tokenizer = Files.write(run.resolve(Checkpoint.TOKENIZER), TokenizerJson.writeBytes(TestTokenizers.tiny()));
    Checkpoint.save(run, engine, new AdamW(OptimizerSettings.nanoGptShakespeare(), engine.parameters()),
        new TrainerState(5, 0, TokenBatches.Cursor.START, 11), tokenizer, 1);
    return run;
  }

  private static GptEngine plainModel() {
    GptEngine engine = new GptEngine(config());
    perturb(engine.parameters(), 3);
    return engine;
  }

  /** Every projection adapted, B non-zero: merged and unmerged differ from the base by a visible amount. */
  private static GptEngine loraModel() {
    LoraSettings lora = new LoraSettings(2, 4, 0, Set.copyOf(LoraSettings.TARGETS));
    GptEngine engine = new GptEngine(config(), DataType.FLOAT, lora, n -> false);
    perturb(engine.parameters(), 4);
    return engine;
  }

  /** Two full-block rows: a sentence in the tokenizer's ids with the special tokens, and random ids with repeats. */
  private static int[][] tokens() {
    ByteLevelBpe tok = TestTokenizers.tiny();
    int t = config().blockSize();
    int[] text = tok.encode("What is the capital of France? The quick brown fox.");
    int[][] rows = new int[2][t];
    rows[0][0] = tok.endOfTextId();
    rows[0][1] = tok.specialId(SpecialTokens.USER);
    for (int i = 2; i < t; i++) {
      rows[0][i] = text[(i - 2) % text.length];
    }
    Random r = new Random(5);
    for (int i = 0; i < t; i++) {
      rows[1][i] = i % 3 == 2 ? rows[1][i - 1] : r.nextInt(tok.vocabSize());
    }
    return rows;
  }

  /** Logits [B][T][V] of the engine, in double. */
  private static double[][][] logits(GptEngine engine, int[][] tokens) {
    GptEngine.Forward f = engine.forward(tokens, null);
    double[][] flat = f.logits().castTo(DataType.DOUBLE).toDoubleMatrix();
    double[][][] out = new double[f.batch()][f.time()][];
    for (int b = 0; b < f.batch(); b++) {
      for (int t = 0; t < f.time(); t++) {
        out[b][t] = flat[b * f.time() + t];
      }
    }
    return out;
  }

  private static double maxAbsDifference(double[][][] a, double[][][] b) {
    assertEquals(a.length, b.length, "rows");
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      assertEquals(a[i].length, b[i].length, "positions");
      for (int t = 0; t < a[i].length; t++) {
        assertEquals(a[i][t].length, b[i][t].length, "vocabulary");
        for (int v = 0; v < a[i][t].length; v++) {
          worst = Math.max(worst, Math.abs(a[i][t][v] - b[i][t][v]));
        }
      }
    }
    return worst;
  }

  /** The export read back into a plain engine: GPT-2's names with the prefix taken off. */
  private static GptEngine reload(Path export) throws IOException {
    JsonNode c = JSON.readTree(export.resolve(HfExport.CONFIG).toFile());
    GptEngine engine = new GptEngine(new GptConfig(c.path("vocab_size").asInt(), c.path("n_positions").asInt(),
        c.path("n_layer").asInt(), c.path("n_head").asInt(), c.path("n_embd").asInt(), 0.0, 1));
    Map<String, INDArray> tensors = SafeTensors.read(export.resolve(HfExport.MODEL)).tensors();
    Parameters p = engine.parameters();
    assertEquals(p.names().size(), tensors.size(), "one exported tensor per engine tensor: " + tensors.keySet());
    tensors.forEach((name, value) -> p.value(name.substring(Gpt2Tensors.PREFIX.length())).assign(value));
    return engine;
  }

  @Test
  void pytorchGpt2BuiltFromTheExportComputesOurLogits(@TempDir Path dir) throws Exception {
    GptEngine model = plainModel();
    Path run = save(dir.resolve("run"), model);
    Path out = dir.resolve("hf");
    HfExport.write(run, out, false, QUIET);
    double[][][] ours = logits(model, tokens());
    double[][][] theirs = pytorchLogits(out, tokens(), dir);
    double worst = maxAbsDifference(ours, theirs);
    System.out.printf("export: PyTorch GPT-2 (float64) from the export vs the engine (float): max |logit "
        + "difference| %.3g%n", worst);
    assertTrue(worst < LOGIT_TOLERANCE, "max |logit difference| " + worst);
  }

  @Test
  void pytorchGpt2FromALoraExportComputesTheAdaptedModelsLogits(@TempDir Path dir) throws Exception {
    GptEngine adapted = loraModel();
    Path run = save(dir.resolve("lora-run"), adapted);
    assertTrue(Files.isRegularFile(run.resolve(Checkpoint.folderName(5)).resolve(Checkpoint.ADAPTER)),
        "the checkpoint keeps its adapters apart");
    Path out = dir.resolve("hf");
    HfExport.Result result = HfExport.write(run, out, false, QUIET);
    assertTrue(result.loraMerged());
    double[][][] ours = logits(adapted, tokens());
    double[][][] theirs = pytorchLogits(out, tokens(), dir);
    double worst = maxAbsDifference(ours, theirs);
    System.out.printf("export: LoRA checkpoint, PyTorch GPT-2 from the merged export vs the engine with its adapters: "
        + "max |logit difference| %.3g%n", worst);
    assertTrue(worst < LOGIT_TOLERANCE, "max |logit difference| " + worst);
  }

  @Test
  void loraCheckpointExportsTheMergedModel(@TempDir Path dir) throws Exception {
    GptEngine adapted = loraModel();
    Path run = save(dir.resolve("lora-run"), adapted);
    Path out = dir.resolve("hf");
    HfExport.write(run.resolve(Checkpoint.folderName(5)), out, false, QUIET); // a step folder works too
    Set<String> names = SafeTensors.tensorInfo(out.resolve(HfExport.MODEL)).keySet();
    assertTrue(names.stream().noneMatch(n -> n.contains("lora")), names.toString());
    double[][][] withAdapters = logits(adapted, tokens());
    double merged = maxAbsDifference(withAdapters, logits(reload(out), tokens()));
    assertTrue(merged < 1e-4, "the export computes the adapted model: " + merged);
    GptEngine baseOnly = new GptEngine(config());
    for (String name : baseOnly.parameters().names()) {
      baseOnly.parameters().value(name).assign(adapted.parameters().value(name));
    }
    double adaptersMatter = maxAbsDifference(withAdapters, logits(baseOnly, tokens()));
    assertTrue(adaptersMatter > 1e-2, "the adapters change the model, so merging them is tested: " + adaptersMatter);
  }

  @Test
  void folderIsGpt2sNamesShapesAndConfig(@TempDir Path dir) throws Exception {
    GptConfig c = config();
    Path out = dir.resolve("export").resolve("hf");
    HfExport.write(save(dir.resolve("run"), plainModel()), out, false, QUIET);
    Map<String, SafeTensors.TensorInfo> header = SafeTensors.tensorInfo(out.resolve(HfExport.MODEL));
    Map<String, long[]> expected = new java.util.LinkedHashMap<>();
    long e = c.nEmbd();
    expected.put("transformer.wte.weight", new long[] {c.vocabSize(), e});
    expected.put("transformer.wpe.weight", new long[] {c.blockSize(), e});
    for (int l = 0; l < c.nLayer(); l++) {
      String h = "transformer.h." + l + ".";
      for (String ln : List.of("ln_1", "ln_2")) {
        expected.put(h + ln + ".weight", new long[] {e});
        expected.put(h + ln + ".bias", new long[] {e});
      }
      expected.put(h + "attn.c_attn.weight", new long[] {e, 3 * e}); // Conv1D: [in, out]
      expected.put(h + "attn.c_attn.bias", new long[] {3 * e});
      expected.put(h + "attn.c_proj.weight", new long[] {e, e});
      expected.put(h + "attn.c_proj.bias", new long[] {e});
      expected.put(h + "mlp.c_fc.weight", new long[] {e, 4 * e});
      expected.put(h + "mlp.c_fc.bias", new long[] {4 * e});
      expected.put(h + "mlp.c_proj.weight", new long[] {4 * e, e});
      expected.put(h + "mlp.c_proj.bias", new long[] {e});
    }
    expected.put("transformer.ln_f.weight", new long[] {e});
    expected.put("transformer.ln_f.bias", new long[] {e});
    assertEquals(expected.keySet(), new LinkedHashSet<>(header.keySet()), "GPT-2's tensors, no lm_head (tied)");
    expected.forEach((name, shape) -> {
      assertArrayEquals(shape, header.get(name).shape(), name);
      assertEquals("F32", header.get(name).dtype(), name);
    });
    assertEquals("pt", SafeTensors.read(out.resolve(HfExport.MODEL)).metadata().get("format"));

    ByteLevelBpe tok = TestTokenizers.tiny();
    JsonNode cfg = JSON.readTree(out.resolve(HfExport.CONFIG).toFile());
    assertEquals("GPT2LMHeadModel", cfg.path("architectures").get(0).asText());
    assertEquals("gpt2", cfg.path("model_type").asText());
    assertEquals(c.vocabSize(), cfg.path("vocab_size").asInt());
    assertEquals(c.blockSize(), cfg.path("n_positions").asInt());
    assertEquals(c.blockSize(), cfg.path("n_ctx").asInt());
    assertEquals(c.nEmbd(), cfg.path("n_embd").asInt());
    assertEquals(c.nHead(), cfg.path("n_head").asInt());
    assertEquals(c.nLayer(), cfg.path("n_layer").asInt());
    assertEquals(1e-5, cfg.path("layer_norm_epsilon").asDouble());
    assertEquals("gelu_new", cfg.path("activation_function").asText());
    assertTrue(cfg.path("tie_word_embeddings").asBoolean());
    assertEquals(tok.endOfTextId(), cfg.path("bos_token_id").asInt());
    assertEquals(tok.specialId(SpecialTokens.END), cfg.path("eos_token_id").asInt());
    assertEquals(tok.specialId(SpecialTokens.PAD), cfg.path("pad_token_id").asInt());
    JsonNode generation = JSON.readTree(out.resolve(HfExport.GENERATION_CONFIG).toFile());
    assertEquals(List.of(tok.specialId(SpecialTokens.END), tok.endOfTextId()),
        List.of(generation.path("eos_token_id").get(0).asInt(), generation.path("eos_token_id").get(1).asInt()),
        "generation stops at <|end|> first, <|endoftext|> too: " + generation);
    JsonNode tokenizerConfig = JSON.readTree(out.resolve(HfExport.TOKENIZER_CONFIG).toFile());
    assertEquals("PreTrainedTokenizerFast", tokenizerConfig.path("tokenizer_class").asText());
    assertEquals(SpecialTokens.END, tokenizerConfig.path("eos_token").asText());
    assertEquals(SpecialTokens.END_OF_TEXT, tokenizerConfig.path("bos_token").asText());
    assertTrue(tokenizerConfig.path("chat_template").asText().contains("<|end|>"));
    JsonNode map = JSON.readTree(out.resolve(HfExport.SPECIAL_TOKENS_MAP).toFile());
    assertEquals(SpecialTokens.PAD, map.path("pad_token").asText());
    assertEquals(List.of(SpecialTokens.USER, SpecialTokens.ASSISTANT, SpecialTokens.SYSTEM),
        JSON.convertValue(map.path("additional_special_tokens"), List.class));
    try (Stream<Path> siblings = Files.list(out.getParent())) {
      assertEquals(List.of(out), siblings.toList(), "no temporary folder is left next to the export");
    }
  }

  @Test
  void exportedTokenizerEncodesAsOurs(@TempDir Path dir) throws Exception {
    Path run = save(dir.resolve("run"), plainModel());
    Path out = dir.resolve("hf");
    HfExport.write(run, out, false, QUIET);
    assertArrayEquals(Files.readAllBytes(run.resolve(Checkpoint.TOKENIZER)),
        Files.readAllBytes(out.resolve(HfExport.TOKENIZER)), "the checkpoint's tokenizer.json, as it is");
    ByteLevelBpe exported = TokenizerJson.read(Files.readAllBytes(out.resolve(HfExport.TOKENIZER)));
    String sample = "The capital of France is Paris. Ünïcode, emoji 🦊 and <|user|> as text.";
    assertArrayEquals(TestTokenizers.tiny().encode(sample), exported.encode(sample));
    assertEquals(sample, exported.decode(exported.encode(sample)));
  }

  @Test
  void nonEmptyOutputIsRefusedWithoutForce(@TempDir Path dir) throws Exception {
    Path run = save(dir.resolve("run"), plainModel());
    Path out = Files.createDirectories(dir.resolve("hf"));
    Path kept = Files.writeString(out.resolve("notes.txt"), "mine");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HfExport.write(run, out, false, QUIET));
    assertTrue(e.getMessage().contains(out.toString()) && e.getMessage().contains("--force"), e.getMessage());
    assertEquals("mine", Files.readString(kept), "nothing was touched");

    HfExport.write(run, out, true, QUIET);
    assertFalse(Files.exists(kept), "--force replaces the folder");
    assertTrue(Files.isRegularFile(out.resolve(HfExport.MODEL)));
    try (Stream<Path> siblings = Files.list(dir)) {
      assertEquals(Set.of("run", "hf"), Set.copyOf(siblings.map(p -> p.getFileName().toString()).toList()),
          "neither the temporary nor the replaced folder is left");
    }
    HfExport.write(run, Files.createDirectories(dir.resolve("empty")), false, QUIET); // an empty folder is fine
  }

  @Test
  void outputThatHoldsTheCheckpointIsRefusedEvenForced(@TempDir Path dir) throws Exception {
    Path run = save(dir.resolve("run"), plainModel());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HfExport.write(run.resolve(Checkpoint.folderName(5)), run, true, QUIET));
    assertTrue(e.getMessage().contains("holds the checkpoint"), e.getMessage());
    assertNotNull(Checkpoint.resolve(run, QUIET), "the run is intact");
  }

  /** A PPO policy carries its critic; the export is the language model without it. */
  @Test
  void ppoCheckpointExportsWithoutItsValueHead(@TempDir Path dir) throws Exception {
    GptEngine ppo = new GptEngine(config(), DataType.FLOAT, LoraSettings.NONE, n -> true, List.of("value"));
    Path run = save(dir.resolve("ppo"), ppo);
    Path out = dir.resolve("hf");
    HfExport.write(run, out, false, QUIET);
    assertFalse(SafeTensors.tensorInfo(out.resolve("model.safetensors")).keySet().stream()
        .anyMatch(n -> n.contains("value")), "no value head in the export");
  }

  @Test
  void rewardModelIsRefusedNamingItsHead(@TempDir Path dir) throws Exception {
    GptEngine rm = new GptEngine(config(), DataType.FLOAT, LoraSettings.NONE, n -> true, List.of("score"));
    Path run = save(dir.resolve("rm"), rm);
    Path out = dir.resolve("hf");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> HfExport.write(run, out, false, QUIET));
    assertTrue(e.getMessage().contains("score.weight") && e.getMessage().contains("reward model"), e.getMessage());
    assertFalse(Files.exists(out));
  }

  @Test
  void missingCheckpointIsAUsageError(@TempDir Path dir) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HfExport.write(dir.resolve("nope"), dir.resolve("hf"), false, QUIET));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  /** The script's logits [B][T][V] for {@code tokens}, from the folder alone; skips the test without torch. */
  private static double[][][] pytorchLogits(Path export, int[][] tokens, Path dir) throws Exception {
    if (pythonProblem == null) {
      pythonProblem = checkPython();
    }
    assumeTrue(pythonProblem.isEmpty(), pythonProblem);
    Path script = dir.resolve("hf_gpt2_logits.py");
    try (var in = HfExportTest.class.getResourceAsStream("hf_gpt2_logits.py")) {
      assertNotNull(in, "hf_gpt2_logits.py is a test resource");
      Files.copy(in, script);
    }
    List<String> command = List.of(PYTHON, script.toString(), export.toString(), JSON.writeValueAsString(tokens));
    Path log = dir.resolve("python.log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean done = p.waitFor(300, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    if (!done) {
      fail("hf_gpt2_logits.py did not finish in 300 s: " + output);
    }
    assertEquals(0, p.exitValue(), () -> "hf_gpt2_logits.py failed:\n" + output);
    List<String> lines = new ArrayList<>(output.strip().lines().toList());
    assertTrue(!lines.isEmpty() && lines.get(lines.size() - 1).startsWith("{"), "no JSON line in: " + output);
    return JSON.treeToValue(JSON.readTree(lines.get(lines.size() - 1)).path("logits"), double[][][].class);
  }

  /** "" when {@link #PYTHON} imports torch and numpy, else why not (the skip message). */
  private static String checkPython() throws IOException, InterruptedException {
    if (!Files.isExecutable(Path.of(PYTHON))) {
      return "skipped: " + PYTHON + " is not installed (the PyTorch GPT-2 check needs it with torch)";
    }
    Path log = Files.createTempFile("import-torch", ".log");
    try {
      Process p = new ProcessBuilder(PYTHON, "-c", "import torch, numpy").redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      boolean done = p.waitFor(120, TimeUnit.SECONDS);
      if (!done) {
        p.destroyForcibly();
      }
      String out = Files.readString(log).strip();
      return done && p.exitValue() == 0 ? "" : "skipped: " + PYTHON + " cannot import torch and numpy (Debian: "
          + "apt-get install python3-torch): " + out.lines().reduce((a, b) -> b).orElse(done ? "" : "timed out");
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
