package io.llmforge.trainer.engine;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.shape.OneHot;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The GPT-2 model, forward and backward written by hand on ND4J (nanoGPT's {@code model.py} for the structure,
 * llm.c's {@code train_gpt2.c} for the buffers): token + position embeddings, {@code nLayer} {@link Block}s, a final
 * LayerNorm and an LM head tied to the token embedding. Parameters and gradients live in the flat buffers of
 * {@link Parameters}, named and shaped as Hugging Face's GPT-2 ({@code wte.weight}, {@code h.0.attn.c_attn.weight},
 * ...), so checkpoints export as they are.
 *
 * <p>The one interface every training stage uses:
 * <ul>
 *   <li>{@link #forward} takes tokens [B, T] and targets [B, T] (-1: no target) and returns the log-probability of
 *       every target under the model, {@code logp[b, t] = log softmax(logits[b, t])[target[b, t]]}, plus the final
 *       hidden states [B*T, C] (after ln_f) for heads (a reward model's scalar, a value head).</li>
 *   <li>{@link #backward} takes dL/dlogp [B, T] and/or dL/dhidden [B*T, C] and <em>adds</em> the parameter gradients
 *       into {@link Parameters#gradients()} (so micro-batches accumulate; {@link Parameters#zeroGradients()} starts a
 *       step).</li>
 * </ul>
 * Pretraining's mean cross-entropy is dL/dlogp = -1/N on every target; SFT masks it; DPO and KTO weight whole
 * sequences; PPO/GRPO pass per-token surrogate gradients. Frozen tensors (and LoRA's frozen bases) get no gradient.
 *
 * <p>Embedding backward is a scatter-add over token ids (repeated ids summed), so a step costs O(B T C) there, not
 * O(B T V C). Activations are allocated once per batch shape and reused: a step allocates no off-heap memory.
 */
public final class GptEngine {
  /** nanoGPT's initialisation: N(0, 0.02), residual projections scaled by 1/sqrt(2 nLayer). */
  static final double INIT_STD = 0.02;
  /** LayerNorm's epsilon in every block and in ln_f (PyTorch's default; an export's {@code layer_norm_epsilon}). */
  public static final double LAYER_NORM_EPS = LayerNorm.EPS;
  /** The tensor of a scalar head {@code h}: {@code h.weight}. */
  static final String HEAD_SUFFIX = ".weight";

  private final GptConfig config;
  private final LoraSettings lora;
  private final DataType dataType;
  private final Parameters params;
  private final boolean cpuKernels;
  private final List<Block> blocks = new ArrayList<>();
  private final Buffers buffers = new Buffers();
  private final LayerNorm lnf;
  private final INDArray wte;
  private final INDArray wpe;
  private final INDArray dwte;
  private final INDArray dwpe;
  private final TrainableTokens trainableTokens; // null unless LoRA trains some embedding rows
  // per-batch-shape state
  private int batch = -1;
  private int time = -1;
  private INDArray[] residual;   // L+1 x [N, C]: the residual stream entering each block, and leaving the last
  private INDArray xf;           // [N, C] ln_f output = the hidden states
  private INDArray logits;       // [N, V]
  private INDArray logSoftmax;   // [N, V]
  private INDArray targetOneHot; // [N, V]
  private INDArray scratchV;     // [N, V]
  private INDArray logProbs;     // [B, T]
  private INDArray dres;         // [N, C]
  private INDArray onesB;        // [1, B]
  private INDArray tokenIds;     // [N] int
  private INDArray targetIds;    // [N] int
  private INDArray targetValid;  // [N] 1 where a row has a target, else 0
  private INDArray rowGrad;      // [N]
  private int[] lastTokens;
  private int[] lastTargets;
  private Block.Scratch scratch;
  private boolean hasTargets;
  private boolean training;
  private long dropoutSeed;
  private long dropoutDraws;
  private double embeddingNoiseAlpha; // NEFTune's alpha; 0 is off

  /** A model in float, every parameter trainable, no LoRA: pretraining. */
  public GptEngine(GptConfig config) {
    this(config, DataType.FLOAT, LoraSettings.NONE, name -> true);
  }

  /**
   * @param dataType  FLOAT to train; DOUBLE for gradient checks
   * @param lora      adapters to add (their A and B always train)
   * @param trainable which base tensors train (with LoRA, usually none: {@code name -> false})
   */
  public GptEngine(GptConfig config, DataType dataType, LoraSettings lora, Predicate<String> trainable) {
    this(config, dataType, lora, trainable, List.of());
  }

  /**
   * A model with scalar heads on the final hidden states: each head {@code h} is a trainable {@code h.weight} [1, C]
   * (Hugging Face's {@code score} of {@code GPT2ForSequenceClassification}: a linear layer without bias), kept in the
   * same flat buffers, so the optimiser, clipping, all-reduce and checkpoints carry it with the rest. The engine only
   * holds it: the reward model and the value head read it against {@link Forward#hidden()} and pass dL/dhidden back.
   */
  public GptEngine(GptConfig config, DataType dataType, LoraSettings lora, Predicate<String> trainable,
      List<String> scalarHeads) {
    this.config = config;
    this.lora = lora;
    this.dataType = dataType;
    List<Parameters.Spec> specs = specs(config, lora, trainable);
    for (String head : scalarHeads) {
      specs.add(new Parameters.Spec(head + HEAD_SUFFIX, new long[] {1, config.nEmbd()}, true, false));
    }
    this.params = new Parameters(specs, dataType);
    initialise(specs, config.seed());
    this.cpuKernels = CpuKernels.available(dataType);
    for (int l = 0; l < config.nLayer(); l++) {
      blocks.add(new Block(params, l, config, lora, cpuKernels));
    }
    lnf = new LayerNorm(params, "ln_f");
    wte = params.value("wte.weight");
    wpe = params.value("wpe.weight");
    dwte = params.gradient("wte.weight");
    dwpe = params.gradient("wpe.weight");
    trainableTokens = lora.trainableTokens().isEmpty() ? null
        : new TrainableTokens(params, lora.trainableTokens().stream().mapToInt(Integer::intValue).toArray(),
            config.vocabSize());
  }

  /**
   * The tensors of a model: Hugging Face GPT-2 names and shapes (weights [in, out]), plus LoRA's A and B and the
   * trainable token rows.
   */
  static List<Parameters.Spec> specs(GptConfig c, LoraSettings lora, Predicate<String> trainable) {
    List<Parameters.Spec> specs = new ArrayList<>();
    int e = c.nEmbd();
    matrix(specs, "wte.weight", c.vocabSize(), e, trainable);
    matrix(specs, "wpe.weight", c.blockSize(), e, trainable);
    for (int l = 0; l < c.nLayer(); l++) {
      String p = "h." + l + ".";
      layerNorm(specs, p + "ln_1", e, trainable);
      linear(specs, p, "attn.c_attn", e, 3 * e, lora, trainable);
      linear(specs, p, "attn.c_proj", e, e, lora, trainable);
      layerNorm(specs, p + "ln_2", e, trainable);
      linear(specs, p, "mlp.c_fc", e, 4 * e, lora, trainable);
      linear(specs, p, "mlp.c_proj", 4 * e, e, lora, trainable);
    }
    layerNorm(specs, "ln_f", e, trainable);
    for (int id : lora.trainableTokens()) {
      if (id >= c.vocabSize()) {
        throw new IllegalArgumentException("trainable token id " + id + " is outside the vocabulary of "
            + c.vocabSize());
      }
    }
    if (!lora.trainableTokens().isEmpty()) {
      specs.add(new Parameters.Spec(TrainableTokens.TENSOR, new long[] {lora.trainableTokens().size(), e}, true,
          true));
    }
    return specs;
  }

  private static void matrix(List<Parameters.Spec> s, String name, long rows, long cols, Predicate<String> t) {
    s.add(new Parameters.Spec(name, new long[] {rows, cols}, t.test(name), true));
  }

  private static void vector(List<Parameters.Spec> s, String name, long n, Predicate<String> t) {
    s.add(new Parameters.Spec(name, new long[] {n}, t.test(name), false));
  }

  private static void layerNorm(List<Parameters.Spec> s, String name, long n, Predicate<String> t) {
    vector(s, name + ".weight", n, t);
    vector(s, name + ".bias", n, t);
  }

  private static void linear(List<Parameters.Spec> s, String prefix, String projection, int in, int out,
      LoraSettings lora, Predicate<String> t) {
    String name = prefix + projection;
    matrix(s, name + ".weight", in, out, t);
    vector(s, name + ".bias", out, t);
    if (lora.adapts(projection)) {
      // adapters decay like any matrix when weight decay is on (PEFT applies the optimiser's decay to them too)
      s.add(new Parameters.Spec(name + ".lora_A", new long[] {in, lora.rank()}, true, true));
      s.add(new Parameters.Spec(name + ".lora_B", new long[] {lora.rank(), out}, true, true));
    }
  }

  /**
   * N(0, 0.02) matrices (residual projections N(0, 0.02 / sqrt(2 nLayer))), zero biases, unit LayerNorm gains, LoRA A
   * uniform(+-1/sqrt(in)) and B zero; drawn from one seeded generator in declaration order, so two processes build
   * identical models whatever the backend.
   */
  private void initialise(List<Parameters.Spec> specs, long seed) {
    Random random = new Random(seed);
    double residualStd = INIT_STD / Math.sqrt(2.0 * config.nLayer());
    for (Parameters.Spec s : specs) {
      String n = s.name();
      double[] v = new double[(int) s.length()];
      if (n.endsWith(".lora_A")) {
        double bound = 1 / Math.sqrt(s.shape()[0]);
        for (int i = 0; i < v.length; i++) {
          v[i] = (2 * random.nextDouble() - 1) * bound;
        }
      } else if (n.endsWith(".lora_B") || n.endsWith(".bias") || n.equals(TrainableTokens.TENSOR)) {
        continue; // zeros
      } else if (n.contains("ln_")) {
        java.util.Arrays.fill(v, 1.0);
      } else {
        double std = n.endsWith("c_proj.weight") ? residualStd : INIT_STD;
        for (int i = 0; i < v.length; i++) {
          v[i] = random.nextGaussian() * std;
        }
      }
      try (INDArray values = Nd4j.create(v, s.shape(), DataType.DOUBLE)) {
        params.value(n).assign(values);
      }
    }
  }

  public GptConfig config() {
    return config;
  }

  public LoraSettings lora() {
    return lora;
  }

  public DataType dataType() {
    return dataType;
  }

  public Parameters parameters() {
    return params;
  }

  /** The weight [1, C] of scalar head {@code head} (a view into the flat buffer). */
  public INDArray headWeight(String head) {
    return params.value(head + HEAD_SUFFIX);
  }

  /** The gradient [1, C] of scalar head {@code head}. */
  public INDArray headGradient(String head) {
    return params.gradient(head + HEAD_SUFFIX);
  }

  /** Whether tensor {@code name} belongs to a scalar head rather than the GPT (loading a base model leaves it new). */
  public static boolean isHeadTensor(String name) {
    return !name.startsWith("h.") && !name.startsWith("wte.") && !name.startsWith("wpe.") && !name.startsWith("ln_f.");
  }

  /** Whether tensor {@code name} is a fine-tune's own, kept apart from the base weights: LoRA's A, B, token rows. */
  public static boolean isAdapterTensor(String name) {
    return name.contains(".lora_") || name.equals(TrainableTokens.TENSOR);
  }

  /** Whether the element-wise CPU shortcuts are on (CPU backend, float). */
  public boolean usesCpuKernels() {
    return cpuKernels;
  }

  /**
   * Training mode: LoRA dropout (when set) drops adapter inputs, with a new mask every forward pass, drawn from a
   * generator seeded by the step given here and the passes since (so a resumed run draws the same masks). Off (the
   * default, evaluation and generation) no input is dropped. The same holds for NEFTune's embedding noise
   * ({@link #embeddingNoise}). A no-op without either.
   */
  public void train(boolean on, long step) {
    this.training = on;
    this.dropoutSeed = config.seed() * 0x9E3779B97F4A7C15L + step * 1_000_003L;
    this.dropoutDraws = 0;
  }

  /**
   * NEFTune (Jain et al. 2023, TRL's {@code neftune_noise_alpha}): in training mode every forward pass adds uniform
   * noise in {@code +-alpha / sqrt(T C)} to the input token embeddings (T the batch's padded length, as in Hugging
   * Face's hook), drawn like the LoRA dropout masks (reproducible from the step). The noise does not depend on the
   * weights, so the backward pass is unchanged. 0 (the default) is off; evaluation and generation never add it.
   */
  public void embeddingNoise(double alpha) {
    if (!(alpha >= 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("embedding noise alpha must be >= 0 and finite, got " + alpha);
    }
    this.embeddingNoiseAlpha = alpha;
  }

  /** The result of a forward pass; arrays are the engine's buffers, valid until the next forward. */
  public record Forward(INDArray logProbs, INDArray hidden, INDArray logits, int batch, int time) {}

  /**
   * Runs the model on {@code tokens} [B][T] (T <= blockSize, all rows the same length) and, when {@code targets} is
   * not null, computes the log-probability of each target id (-1: no target, log-prob 0 and no gradient).
   */
  public Forward forward(int[][] tokens, int[][] targets) {
    if (tokens.length == 0 || tokens[0].length == 0) {
      throw new IllegalArgumentException("forward needs at least one row of at least one token");
    }
    int b = tokens.length;
    int t = tokens[0].length;
    if (t > config.blockSize()) {
      throw new IllegalArgumentException("sequence of " + t + " tokens is longer than the block size "
          + config.blockSize());
    }
    resize(b, t);
    if (lora.dropout() > 0) {
      SplittableRandom random = training ? new SplittableRandom(dropoutSeed + dropoutDraws++) : null;
      blocks.forEach(block -> block.drawDropoutMasks(random));
    }
    int[] flat = flatten(tokens, t, config.vocabSize(), "token");
    lastTokens = flat;
    try (INDArray ids = Nd4j.createFromArray(flat)) {
      tokenIds.assign(ids);
    }
    // embeddings: x = wte[tokens] + wpe[0:T]
    Nd4j.pullRows(wte, residual[0], 1, flat);
    if (trainableTokens != null) {
      trainableTokens.addToEmbeddings(flat, residual[0]);
    }
    if (training && embeddingNoiseAlpha > 0) {
      addEmbeddingNoise(residual[0], t, new SplittableRandom(dropoutSeed + dropoutDraws++));
    }
    Ops.addBroadcast(residual[0].reshape('c', b, t, config.nEmbd()), wpe.get(interval(0, t), all()),
        residual[0].reshape('c', b, t, config.nEmbd()), 1, 2);
    for (int l = 0; l < blocks.size(); l++) {
      blocks.get(l).forward(residual[l], residual[l + 1], scratch);
    }
    lnf.forward(residual[blocks.size()], xf);
    Ops.gemm(xf, false, wte, true, logits, 1, 0);  // tied LM head: [N, C] x [V, C]^T
    if (trainableTokens != null) {
      trainableTokens.addToLogits(xf, logits);
    }
    hasTargets = targets != null;
    if (hasTargets) {
      if (targets.length != b || targets[0].length != t) {
        throw new IllegalArgumentException("targets must be [" + b + "][" + t + "]");
      }
      int[] flatTargets = flattenTargets(targets, t, config.vocabSize());
      lastTargets = flatTargets;
      if (cpuKernels) {
        // softmax by ND4J (oneDNN's vectorised exp), then one Java pass for the log-probs (CpuKernels)
        Ops.softmax(logits, scratchV);
        CpuKernels.targetLogProbs(logits, scratchV, flatTargets, logProbs.reshape(b * t));
      } else {
        float[] valid = new float[flatTargets.length];
        for (int i = 0; i < valid.length; i++) {
          valid[i] = flatTargets[i] < 0 ? 0f : 1f;
        }
        try (INDArray ids = Nd4j.createFromArray(flatTargets); INDArray v = Nd4j.createFromArray(valid)) {
          targetIds.assign(ids);
          targetValid.assign(v);
        }
        Nd4j.exec(new OneHot(targetIds, targetOneHot, config.vocabSize()));  // rows of -1 stay 0
        Ops.logSoftmax(logits, logSoftmax);
        Ops.mul(logSoftmax, targetOneHot, scratchV);
        Ops.sumLast(scratchV, logProbs.reshape(b * t));
      }
    }
    return new Forward(hasTargets ? logProbs : null, xf, logits, b, t);
  }

  /**
   * Adds to the parameter gradients the gradient of a loss L given dL/dlogp [B, T] (null: 0) and dL/dhidden
   * [B*T, C] (null: 0), for the batch of the last {@link #forward}.
   */
  public void backward(INDArray dLogProbs, INDArray dHidden) {
    if (batch < 0) {
      throw new IllegalStateException("backward before forward");
    }
    int n = batch * time;
    if (dLogProbs != null) {
      if (!hasTargets) {
        throw new IllegalStateException("dL/dlogp given but the forward pass had no targets");
      }
      // dlogits = dlogp * (onehot(target) - softmax(logits)), per row; rows without a target get none
      if (cpuKernels) {
        CpuKernels.logitGradients(scratchV, lastTargets, dLogProbs.reshape(n)); // softmax kept by forward
      } else {
        Ops.mul(dLogProbs.reshape(n), targetValid, rowGrad);
        Ops.exp(logSoftmax, scratchV);
        Ops.sub(targetOneHot, scratchV, scratchV);
        Ops.mulColumn(scratchV, rowGrad, scratchV);
      }
      Ops.gemm(scratchV, false, wte, false, dres, 1, 0);       // dxf = dlogits wte     [N, C]
      if (dwte != null) {
        Ops.gemm(scratchV, true, xf, false, dwte, 1, 1);       // dwte += dlogits^T xf  [V, C]
      }
      if (trainableTokens != null) {
        trainableTokens.backwardLogits(scratchV, xf, dres);
      }
    } else {
      dres.assign(0);
    }
    if (dHidden != null) {
      Ops.add(dres, dHidden.reshape(n, config.nEmbd()), dres);
    }
    // ln_f backward writes into a zeroed stream: dL/d(residual[L])
    INDArray dxf = scratch.dNarrow;
    dxf.assign(dres);
    dres.assign(0);
    lnf.backward(dxf, dres);
    for (int l = blocks.size() - 1; l >= 0; l--) {
      blocks.get(l).backward(dres, scratch);
    }
    // embeddings: dwpe[0:T] += sum over rows; dwte[token] += dres (repeated tokens summed)
    if (dwpe != null) {
      Ops.gemm(onesB, false, dres.reshape('c', batch, (long) time * config.nEmbd()), false,
          dwpe.get(interval(0, time), all()).reshape('c', 1, (long) time * config.nEmbd()), 1, 1);
    }
    if (dwte != null) {
      Ops.scatterAddRows(dwte, tokenIds, dres);
    }
    if (trainableTokens != null) {
      trainableTokens.backwardEmbeddings(lastTokens, dres);
    }
  }

  /** x[N, C] += U(-1, 1) alpha / sqrt(T C), NEFTune's noise. */
  private void addEmbeddingNoise(INDArray x, int time, SplittableRandom random) {
    double scale = embeddingNoiseAlpha / Math.sqrt((double) time * config.nEmbd());
    int rows = (int) x.rows();
    int cols = (int) x.columns();
    INDArray noise;
    if (dataType == DataType.DOUBLE) {
      double[] v = new double[rows * cols];
      for (int i = 0; i < v.length; i++) {
        v[i] = scale * (2 * random.nextDouble() - 1);
      }
      noise = Nd4j.createFromArray(v);
    } else {
      float[] v = new float[rows * cols];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (scale * (2 * random.nextDouble() - 1));
      }
      noise = Nd4j.createFromArray(v);
    }
    try (noise) {
      x.addi(noise.reshape('c', rows, cols));
    }
  }

  /**
   * The token embedding as the model sees it: {@code wte.weight}, plus the trainable token rows when LoRA trains
   * some (a decoder's own copy then, refreshed by calling this again into it).
   */
  void effectiveEmbedding(INDArray into) {
    into.assign(wte);
    if (trainableTokens != null) {
      trainableTokens.addTo(into);
    }
  }

  boolean hasTrainableTokens() {
    return trainableTokens != null;
  }

  /**
   * Folds every LoRA adapter into its base weight ({@code W += s A B}; then B = 0) and the trainable token rows into
   * the embedding.
   */
  public void mergeAdapters() {
    if (trainableTokens != null) {
      trainableTokens.merge(wte);
    }
    for (Block b : blocks) {
      b.cAttn.mergeAdapter();
      b.attnProj.mergeAdapter();
      b.fc.mergeAdapter();
      b.mlpProj.mergeAdapter();
    }
  }

  /** Tokens of the last forward pass, flattened (for tests). */
  int[] lastTokens() {
    return lastTokens;
  }

  private void resize(int b, int t) {
    if (b == batch && t == time) {
      return;
    }
    int n = b * t;
    int c = config.nEmbd();
    int v = config.vocabSize();
    buffers.release(); // the last shape's, at once: waiting for the garbage collector can exhaust native memory
    if (scratch != null) {
      scratch.release();
    }
    residual = new INDArray[blocks.size() + 1];
    for (int i = 0; i < residual.length; i++) {
      residual[i] = buffers.create(dataType, n, c);
    }
    for (Block block : blocks) {
      block.resize(b, t, dataType);
    }
    lnf.resize(n, dataType);
    xf = buffers.create(dataType, n, c);
    logits = buffers.create(dataType, n, v);
    if (!cpuKernels) { // the CPU path keeps only the softmax (in scratchV)
      logSoftmax = buffers.create(dataType, n, v);
      targetOneHot = buffers.create(dataType, n, v);
    }
    scratchV = buffers.create(dataType, n, v);
    logProbs = buffers.create(dataType, b, t);
    dres = buffers.create(dataType, n, c);
    onesB = buffers.ones(dataType, 1, b);
    tokenIds = buffers.create(DataType.INT, n);
    targetIds = buffers.create(DataType.INT, n);
    targetValid = buffers.create(dataType, n);
    rowGrad = buffers.create(dataType, n);
    scratch = new Block.Scratch(b, t, config, dataType, cpuKernels);
    batch = b;
    time = t;
  }

  private static int[] flatten(int[][] rows, int t, int vocab, String what) {
    int[] flat = new int[rows.length * t];
    for (int r = 0; r < rows.length; r++) {
      if (rows[r].length != t) {
        throw new IllegalArgumentException("all rows must have " + t + " " + what + "s; row " + r + " has "
            + rows[r].length);
      }
      for (int i = 0; i < t; i++) {
        int id = rows[r][i];
        if (id < 0 || id >= vocab) {
          throw new IllegalArgumentException(what + " id " + id + " at [" + r + "][" + i + "] is outside [0, "
              + vocab + ")");
        }
        flat[r * t + i] = id;
      }
    }
    return flat;
  }

  private static int[] flattenTargets(int[][] rows, int t, int vocab) {
    int[] flat = new int[rows.length * t];
    for (int r = 0; r < rows.length; r++) {
      for (int i = 0; i < t; i++) {
        int id = rows[r][i];
        if (id < -1 || id >= vocab) {
          throw new IllegalArgumentException("target id " + id + " at [" + r + "][" + i + "] is outside [-1, "
              + vocab + ")");
        }
        flat[r * t + i] = id;
      }
    }
    return flat;
  }
}
