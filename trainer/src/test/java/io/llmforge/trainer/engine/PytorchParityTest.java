package io.llmforge.trainer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmforge.trainer.checkpoint.SafeTensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The engine computes PyTorch's function: on the same (perturbed) weights and batch, its per-token log-probabilities
 * and mean cross-entropy equal those of {@code trainer/bench/pytorch_reference.py loss}, the independent
 * implementation the benchmarks compare against (HF GPT-2 names and layout, tanh GELU, LayerNorm eps 1e-5, tied LM
 * head). In double to 1e-10; in float to ~1e-5. Skipped where {@code /usr/bin/python3} or its torch is missing (CI).
 */
class PytorchParityTest {
  private static final String PYTHON = "/usr/bin/python3";
  private static final GptConfig CONFIG = new GptConfig(67, 16, 2, 2, 24, 0.0, 5);
  private static final int B = 3;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Path script;
  private static String skipReason; // null: not checked yet; "": python with torch is there

  /** Skips each test (reported as skipped, with the reason) where python or its torch is missing. */
  @BeforeEach
  void needsPythonWithTorch() throws Exception {
    if (skipReason == null) {
      skipReason = checkPython();
    }
    assumeTrue(skipReason.isEmpty(), skipReason);
    if (script == null) {
      // surefire runs in trainer/; from the repository root the script is under trainer/
      for (String candidate : List.of("bench/pytorch_reference.py", "../trainer/bench/pytorch_reference.py",
          "trainer/bench/pytorch_reference.py")) {
        if (Files.isRegularFile(Path.of(candidate))) {
          script = Path.of(candidate).toAbsolutePath();
          return;
        }
      }
      fail("trainer/bench/pytorch_reference.py not found from " + Path.of("").toAbsolutePath());
    }
  }

  /** "" when {@link #PYTHON} imports torch and numpy, else why not. */
  private static String checkPython() throws IOException, InterruptedException {
    if (!Files.isExecutable(Path.of(PYTHON))) {
      return "skipped: " + PYTHON + " is not installed";
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

  @Test
  void doubleLossAndTokenLogProbsEqualPytorchFloat64(@TempDir Path dir) throws Exception {
    compare(dir, DataType.DOUBLE, "float64", 1e-10, 1e-10);
  }

  @Test
  void floatLossAndTokenLogProbsEqualPytorchFloat32(@TempDir Path dir) throws Exception {
    compare(dir, DataType.FLOAT, "float32", 1e-5, 1e-5);
  }

  /**
   * Perturbed weights (non-zero biases, non-unit gains) written as safetensors in {@code dataType}, B random rows of
   * T + 1 ids (with repeats), our log-probs and mean NLL against the script's in {@code torchDtype}.
   */
  private static void compare(Path dir, DataType dataType, String torchDtype, double lossRelative,
      double logProbAbsolute) throws Exception {
    GptEngine engine = new GptEngine(CONFIG, dataType, LoraSettings.NONE, n -> true);
    GptEngineTest.perturb(engine.parameters(), 31, 0.1);
    Path weights = dir.resolve("weights.safetensors");
    SafeTensors.write(weights, engine.parameters().valuesByName(), Map.of());

    int t = CONFIG.blockSize();
    Random random = new Random(32);
    int[][] tokens = new int[B][t];
    int[][] targets = new int[B][t];
    ByteBuffer rows = ByteBuffer.allocate(B * (t + 1) * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int b = 0; b < B; b++) {
      int[] row = new int[t + 1];
      for (int i = 0; i <= t; i++) {
        row[i] = i % 4 == 3 ? row[i - 1] : random.nextInt(CONFIG.vocabSize());
        rows.putInt(row[i]);
      }
      System.arraycopy(row, 0, tokens[b], 0, t);
      System.arraycopy(row, 1, targets[b], 0, t);
    }
    Path batch = dir.resolve("batch.i32");
    Files.write(batch, rows.array());

    double[][] ours = engine.forward(tokens, targets).logProbs().castTo(DataType.DOUBLE).toDoubleMatrix();
    double sum = 0;
    for (double[] row : ours) {
      for (double lp : row) {
        sum += lp;
      }
    }
    double ourLoss = -sum / (B * t);

    JsonNode theirs = runScript(List.of(PYTHON, script.toString(), "loss", "--weights", weights.toString(),
        "--batch", batch.toString(), "--vocab", String.valueOf(CONFIG.vocabSize()), "--block", String.valueOf(t),
        "--layers", String.valueOf(CONFIG.nLayer()), "--heads", String.valueOf(CONFIG.nHead()),
        "--embd", String.valueOf(CONFIG.nEmbd()), "--threads", "1", "--dtype", torchDtype), dir.resolve("loss.log"));
    double torchLoss = theirs.path("loss").asDouble(Double.NaN);
    JsonNode logProbs = theirs.path("token_logprobs");
    assertTrue(ourLoss > 3 && ourLoss < 6, "a perturbed random model is near log(67) = 4.2, got " + ourLoss);
    assertEquals(torchLoss, ourLoss, lossRelative * Math.abs(torchLoss),
        dataType + " mean NLL: llmforge " + ourLoss + ", PyTorch " + torchLoss);
    assertEquals(B, logProbs.size(), "PyTorch's token_logprobs rows");
    double worst = 0;
    for (int b = 0; b < B; b++) {
      assertEquals(t, logProbs.get(b).size(), "PyTorch's token_logprobs row " + b);
      for (int i = 0; i < t; i++) {
        double expected = logProbs.get(b).get(i).asDouble();
        worst = Math.max(worst, Math.abs(expected - ours[b][i]));
        assertEquals(expected, ours[b][i], logProbAbsolute, dataType + " log p(target) at row " + b + ", position "
            + i);
      }
    }
    System.out.printf("%s vs PyTorch %s: loss %.12f vs %.12f, max |log-prob difference| %.3g%n", dataType,
        torchDtype, ourLoss, torchLoss, worst);
  }

  /**
   * SFT's loss: the mean over the targets a loss mask keeps (-1 elsewhere, as the trainer feeds them) equals
   * PyTorch's {@code cross_entropy(ignore_index=-100)} on the same weights and batch.
   */
  @Test
  void maskedLossEqualsPytorchIgnoreIndex(@TempDir Path dir) throws Exception {
    GptEngine engine = new GptEngine(CONFIG, DataType.DOUBLE, LoraSettings.NONE, n -> true);
    GptEngineTest.perturb(engine.parameters(), 41, 0.1);
    Path weights = dir.resolve("weights.safetensors");
    SafeTensors.write(weights, engine.parameters().valuesByName(), Map.of());
    int t = CONFIG.blockSize();
    Random random = new Random(42);
    int[][] tokens = new int[B][t];
    int[][] targets = new int[B][t];
    ByteBuffer rows = ByteBuffer.allocate(B * (t + 1) * 4).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer mask = ByteBuffer.allocate(B * t * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int b = 0; b < B; b++) {
      int[] row = new int[t + 1];
      for (int i = 0; i <= t; i++) {
        row[i] = random.nextInt(CONFIG.vocabSize());
        rows.putInt(row[i]);
      }
      for (int i = 0; i < t; i++) {
        boolean kept = i >= t / 3 && (i + b) % 5 != 0; // an answer after a prompt, with a few holes
        mask.putInt(kept ? 1 : 0);
        tokens[b][i] = row[i];
        targets[b][i] = kept ? row[i + 1] : -1;
      }
    }
    Files.write(dir.resolve("batch.i32"), rows.array());
    Files.write(dir.resolve("mask.i32"), mask.array());
    double ours = io.llmforge.trainer.loop.Trainer.loss(engine, new io.llmforge.trainer.data.TokenRows(tokens,
        targets)).mean();
    JsonNode theirs = runScript(List.of(PYTHON, script.toString(), "loss", "--weights", weights.toString(),
        "--batch", dir.resolve("batch.i32").toString(), "--mask", dir.resolve("mask.i32").toString(),
        "--vocab", String.valueOf(CONFIG.vocabSize()), "--block", String.valueOf(t),
        "--layers", String.valueOf(CONFIG.nLayer()), "--heads", String.valueOf(CONFIG.nHead()),
        "--embd", String.valueOf(CONFIG.nEmbd()), "--threads", "1", "--dtype", "float64"), dir.resolve("loss.log"));
    double torch = theirs.path("masked_loss").asDouble(Double.NaN);
    assertTrue(Math.abs(torch - theirs.path("loss").asDouble()) > 1e-6, "the mask must change the loss");
    assertEquals(torch, ours, 1e-10 * Math.abs(torch), "masked mean NLL: llmforge " + ours + ", PyTorch " + torch);
  }

  /** Runs the script and parses its last stdout line, a JSON object; fails with its output when it fails. */
  private static JsonNode runScript(List<String> command, Path log) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean done = p.waitFor(300, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    if (!done) {
      fail("pytorch_reference.py did not finish in 300 s: " + out);
    }
    assertEquals(0, p.exitValue(), () -> "pytorch_reference.py failed: " + String.join(" ", command) + "\n" + out);
    List<String> lines = new ArrayList<>(out.strip().lines().toList());
    assertTrue(!lines.isEmpty() && lines.get(lines.size() - 1).startsWith("{"), "no JSON line in: " + out);
    JsonNode json = JSON.readTree(lines.get(lines.size() - 1));
    assertNotNull(json.get("loss"), "no loss in " + json);
    return json;
  }
}
