package io.llmforge.trainer.reference;

import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.optim.AdamW;
import io.llmforge.trainer.pretrain.Trainer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A GPT-2 style decoder in pure SameDiff, shaped like nanoGPT's {@code model.py}: token + position embeddings,
 * {@code nLayer} pre-LayerNorm blocks (causal multi-head self-attention, GELU MLP), a final LayerNorm and an LM
 * head tied to the token embedding. The graph takes {@code tokens} and {@code targets}, both int [B, T] with
 * T = blockSize (B is free), and yields {@code logits} [B*T, V] and the mean cross-entropy {@code loss}.
 *
 * <p>Three ND4J 1.0.0-M2.1 pitfalls are worked around on purpose:
 * <ul>
 *   <li>the backward pass of {@code gather} is about 100x slower than a matmul, so embedding look-up is
 *       {@code oneHot(tokens) x wte};</li>
 *   <li>{@code sparseSoftmaxCrossEntropy}'s backward ignores the incoming gradient, so the loss is composed as
 *       {@code -mean(sum(oneHot(targets) * logSoftmax(logits)))};</li>
 *   <li>there is no causal attention op, so scores get an additive [T, T] mask (0 on and below the diagonal, a
 *       large negative number above) before the softmax.</li>
 * </ul>
 * Sequences shorter than T (generation) can be right-padded: with a causal mask, padding never changes the
 * logits of earlier positions.
 *
 * <p>The model owns its parameters (SameDiff variables); {@link Trainer} reads their gradients and updates them.
 */
public final class GptModel {
  public static final String TOKENS = "tokens";
  public static final String TARGETS = "targets";
  public static final String LOGITS = "logits";
  public static final String LOSS = "loss";

  /** Added to masked attention scores; exp() of it is exactly 0 in float and double. */
  private static final double MASKED = -1e9;
  /** nanoGPT's initialisation: N(0, 0.02) for weights, residual projections scaled by 1/sqrt(2 nLayer). */
  private static final double INIT_STD = 0.02;

  private final GptConfig config;
  private final DataType dataType;
  private final SameDiff sd;
  private final List<String> parameters = new ArrayList<>();
  private final Random init;

  /** Builds the graph in float (training). */
  public GptModel(GptConfig config) {
    this(config, DataType.FLOAT);
  }

  /** @param dataType FLOAT for training; DOUBLE for gradient checks */
  public GptModel(GptConfig config, DataType dataType) {
    this.config = config;
    this.dataType = dataType;
    this.sd = SameDiff.create();
    this.init = new Random(config.seed());
    build();
  }

  public GptConfig config() {
    return config;
  }

  public DataType dataType() {
    return dataType;
  }

  /** The underlying graph (for gradient calculation and inspection). */
  public SameDiff sameDiff() {
    return sd;
  }

  /** Names of the trainable parameters, in creation order (stable across processes: used by checkpoints). */
  public List<String> parameterNames() {
    return Collections.unmodifiableList(parameters);
  }

  /** The live array of a parameter; updating it in place updates the model. */
  public INDArray parameter(String name) {
    return sd.getVariable(name).getArr();
  }

  /** Total number of trainable scalars. */
  public long parameterCount() {
    long n = 0;
    for (String p : parameters) {
      n += parameter(p).length();
    }
    return n;
  }

  /**
   * Whether AdamW should decay this parameter: nanoGPT decays every matrix (weights and embeddings) and leaves
   * vectors (biases, LayerNorm gains and shifts) alone.
   */
  public boolean decays(String name) {
    return parameter(name).rank() >= 2;
  }

  /**
   * Placeholder values for rows of {@code blockSize + 1} ids (the shard row format): inputs are ids [0, T),
   * targets the same row shifted by one, ids [1, T].
   */
  public Map<String, INDArray> batch(int[][] rows) {
    int t = config.blockSize();
    int[][] inputs = new int[rows.length][t];
    int[][] targets = new int[rows.length][t];
    for (int b = 0; b < rows.length; b++) {
      if (rows[b].length != t + 1) {
        throw new IllegalArgumentException("row " + b + " has " + rows[b].length + " ids, expected blockSize + 1 = "
            + (t + 1));
      }
      System.arraycopy(rows[b], 0, inputs[b], 0, t);
      System.arraycopy(rows[b], 1, targets[b], 0, t);
    }
    Map<String, INDArray> feed = new LinkedHashMap<>();
    feed.put(TOKENS, Nd4j.createFromArray(inputs));
    feed.put(TARGETS, Nd4j.createFromArray(targets));
    return feed;
  }

  /** Logits [B*T, V] for int [B, T] tokens (row-major: row b*T + t is the prediction after token t of row b). */
  public INDArray logits(INDArray tokens) {
    return sd.output(Map.of(TOKENS, tokens), LOGITS).get(LOGITS);
  }

  /** Mean cross-entropy of a batch from {@link #batch}. */
  public double loss(Map<String, INDArray> batch) {
    return sd.output(batch, LOSS).get(LOSS).getDouble(0);
  }

  /** Loss gradients of every parameter for one batch, keyed by parameter name. */
  public Map<String, INDArray> gradients(Map<String, INDArray> batch) {
    return sd.calculateGradients(batch, parameters);
  }

  /** The loss and its gradients from one forward and one backward pass. */
  public LossAndGradients lossAndGradients(Map<String, INDArray> batch) {
    OutAndGrad result = sd.calculateGradientsAndOutputs(batch, List.of(LOSS), parameters);
    return new LossAndGradients(result.getOutputs().get(LOSS).getDouble(0), result.getGradients());
  }

  /** @param gradients keyed by parameter name; arrays may be reused by the next call, so copy what you keep */
  public record LossAndGradients(double loss, Map<String, INDArray> gradients) {}

  // ---- graph construction ----

  private void build() {
    int v = config.vocabSize();
    int t = config.blockSize();
    int c = config.nEmbd();

    SDVariable tokens = sd.placeHolder(TOKENS, DataType.INT, -1, t);   // [B, T]
    SDVariable targets = sd.placeHolder(TARGETS, DataType.INT, -1, t); // [B, T]

    SDVariable wte = param("wte", normal(INIT_STD, v, c));             // [V, C], also the LM head
    SDVariable wpe = param("wpe", normal(INIT_STD, t, c));             // [T, C]

    // Embedding look-up as a matmul (see class doc): [B*T, V] x [V, C] -> [B*T, C]
    SDVariable tokOneHot = sd.oneHot(sd.reshape(tokens, -1), v, -1, 1.0, 0.0, dataType);
    SDVariable tokEmb = sd.reshape(tokOneHot.mmul(wte), -1, t, c);     // [B, T, C]
    SDVariable x = sd.reshape(tokEmb.add(wpe), -1, c);                 // [B*T, C], wpe broadcast over B

    SDVariable mask = sd.constant("causal_mask", causalMask(t));       // [T, T]
    for (int layer = 0; layer < config.nLayer(); layer++) {
      String p = "h" + layer + ".";
      x = x.add(attention(p + "attn.", layerNorm(p + "ln1.", x), mask)); // [B*T, C]
      x = x.add(mlp(p + "mlp.", layerNorm(p + "ln2.", x)));               // [B*T, C]
    }
    x = layerNorm("lnf.", x);

    // Tied LM head: [B*T, C] x [V, C]^T -> [B*T, V]
    SDVariable logits = sd.mmul(LOGITS, x, wte, false, true, false);

    // Cross-entropy composed from log-softmax and one-hot targets (see class doc).
    SDVariable logProbs = logSoftmax(logits);                         // [B*T, V]
    SDVariable tgtOneHot = sd.oneHot(sd.reshape(targets, -1), v, -1, 1.0, 0.0, dataType);
    SDVariable nll = tgtOneHot.mul(logProbs).sum(1).neg();            // [B*T]
    SDVariable loss = nll.mean(LOSS);
    sd.setLossVariables(loss);
  }

  /**
   * Log-softmax over the last dimension of [N, V], composed as x - (m + log(sum(exp(x - m)))) with m the row
   * maximum for stability. M2.1's LogSoftMax op cannot be used here: building the gradient graph clones the
   * graph through FlatBuffers, and restoring LogSoftMax's dimension property fails there.
   */
  private SDVariable logSoftmax(SDVariable x) {
    SDVariable max = x.max(true, 1);                                       // [N, 1]
    SDVariable shifted = x.sub(max);                                       // [N, V]
    SDVariable logSumExp = sd.math().log(sd.math().exp(shifted).sum(true, 1)); // [N, 1]
    return shifted.sub(logSumExp);
  }

  /** Causal multi-head self-attention on [B*T, C]; returns [B*T, C]. */
  private SDVariable attention(String p, SDVariable x, SDVariable mask) {
    int t = config.blockSize();
    int c = config.nEmbd();
    int h = config.nHead();
    int d = config.headSize();
    SDVariable q = heads(linear(p + "q.", x, c, c, INIT_STD), t, h, d); // [B, H, T, D]
    SDVariable k = heads(linear(p + "k.", x, c, c, INIT_STD), t, h, d); // [B, H, T, D]
    SDVariable v = heads(linear(p + "v.", x, c, c, INIT_STD), t, h, d); // [B, H, T, D]

    SDVariable scores = sd.mmul(q, k, false, true, false).mul(1.0 / Math.sqrt(d)); // [B, H, T, T]
    SDVariable weights = sd.nn().softmax(scores.add(mask), 3);                    // [B, H, T, T], rows sum to 1
    SDVariable y = sd.mmul(weights, v);                                             // [B, H, T, D]
    SDVariable merged = sd.reshape(sd.permute(y, 0, 2, 1, 3), -1, c);               // [B*T, C]
    return linear(p + "proj.", merged, c, c, residualStd());
  }

  /** [B*T, C] -> [B, H, T, D]. */
  private SDVariable heads(SDVariable x, int t, int h, int d) {
    return sd.permute(sd.reshape(x, -1, t, h, d), 0, 2, 1, 3);
  }

  /** Position-wise MLP, C -> 4C -> GELU -> C, on [B*T, C]. */
  private SDVariable mlp(String p, SDVariable x) {
    int c = config.nEmbd();
    SDVariable hidden = gelu(linear(p + "fc.", x, c, 4 * c, INIT_STD)); // [B*T, 4C]
    return linear(p + "proj.", hidden, 4 * c, c, residualStd());       // [B*T, C]
  }

  /**
   * GELU, tanh approximation (GPT-2's): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). Composed from
   * elementary ops so its gradient is SameDiff's exact chain rule.
   */
  private SDVariable gelu(SDVariable x) {
    SDVariable inner = x.add(sd.math().cube(x).mul(0.044715)).mul(Math.sqrt(2.0 / Math.PI));
    return x.mul(sd.math().tanh(inner).add(1.0)).mul(0.5);
  }

  /** x [N, in] x W [in, out] + b [out]. */
  private SDVariable linear(String p, SDVariable x, int in, int out, double std) {
    SDVariable w = param(p + "w", normal(std, in, out));
    SDVariable b = param(p + "b", Nd4j.zeros(dataType, out));
    return x.mmul(w).add(b);
  }

  /** LayerNorm over the last dimension of [N, C], learnable gain (1) and shift (0). */
  private SDVariable layerNorm(String p, SDVariable x) {
    int c = config.nEmbd();
    SDVariable gain = param(p + "g", Nd4j.ones(dataType, c));
    SDVariable shift = param(p + "b", Nd4j.zeros(dataType, c));
    return sd.nn().layerNorm(x, gain, shift, false, 1);
  }

  private SDVariable param(String name, INDArray value) {
    parameters.add(name);
    return sd.var(name, value);
  }

  private double residualStd() {
    return INIT_STD / Math.sqrt(2.0 * config.nLayer());
  }

  /** N(0, std) from the model's own seeded generator, so initial weights do not depend on the backend. */
  private INDArray normal(double std, int rows, int cols) {
    double[] values = new double[rows * cols];
    for (int i = 0; i < values.length; i++) {
      values[i] = init.nextGaussian() * std;
    }
    return Nd4j.create(values, new long[] {rows, cols}, DataType.DOUBLE).castTo(dataType);
  }

  private INDArray causalMask(int t) {
    INDArray mask = Nd4j.zeros(dataType, t, t);
    for (int i = 0; i < t; i++) {
      for (int j = i + 1; j < t; j++) {
        mask.putScalar(i, j, MASKED);
      }
    }
    return mask;
  }
}
