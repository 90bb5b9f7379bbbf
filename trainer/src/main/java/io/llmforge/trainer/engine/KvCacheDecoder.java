package io.llmforge.trainer.engine;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Incremental decoding with a key/value cache over the weights of a {@link GptEngine}: the prompt of a row runs
 * through the model once ({@link #prefill}), its keys and values are kept, and every further token costs one
 * position's worth of work ({@link #step}) instead of a forward pass over the whole context. The function computed
 * is {@link GptEngine#forward}'s, step for step (pre-LN blocks, fused {@code c_attn} [q | k | v] with heads
 * contiguous, scores scaled by 1/sqrt(D), tanh GELU, ln_f, logits {@code x wte^T}); only the order of the sums
 * inside the products differs, so logits agree with a full recompute to rounding (KvCacheDecoderTest: 1e-10 in
 * double).
 *
 * <p>Why its own layers: the engine's {@link Block}s keep their activations in buffers sized for the training
 * batch [B, T]. The decoder builds its own {@link Block}s on the same {@link Parameters} (the weights are views, so
 * they are shared and a training step is seen at once), whose buffers it sizes for what it runs: a prompt of P
 * positions, or n rows of one token. Buffers are allocated once per such shape and reused: step shapes are kept by
 * row count, prefill shapes by prompt length (the few most recent). LoRA adapters apply without dropout (inference).
 *
 * <p>Per layer the cache is K and V [maxBatch, H, blockSize, D]. Rows are independent sequences of different
 * lengths: a step attends, for each row, over that row's positions [0, length] and masks the rest of the cache with
 * the engine's additive -1e9 (exp of it is exactly 0), so stale entries of a shorter or reset row never count. A row
 * holds at most blockSize tokens (the position embedding has blockSize rows); stepping a full row throws, and the
 * caller decides how to slide the window (re-prefill the row with the tokens it wants to keep, see
 * {@code Generator}).
 *
 * <p>On the CPU backend in float, {@link #step} runs as plain Java on a heap copy of the weights ({@link CpuDecodeStep}:
 * ND4J's per-op bookkeeping dominates one-token products), and prefill stays ND4J's batched pass.
 *
 * <p>Cached keys and values were computed with the weights of their time: after changing the weights, {@link #reset}
 * (which also refreshes the CPU path's weight copy). Not thread-safe.
 */
public final class KvCacheDecoder {
  /** Prefill shapes kept (prompt lengths); a longer list of lengths re-allocates the least recently used. */
  private static final int PREFILL_SHAPES = 4;

  private final GptConfig config;
  private final GptEngine engine;
  private final Parameters params;
  private final LoraSettings lora;
  private final DataType dataType;
  private final boolean cpuKernels;
  private final int maxBatch;
  private final int h;
  private final int d;
  private final int c;
  private final int t;
  private final double scale;
  private final INDArray wte;      // the engine's, or a copy with the trainable token rows added
  private final INDArray wpe;
  private final INDArray[] keys;   // L x [maxBatch, H, T, D]
  private final INDArray[] values; // L x [maxBatch, H, T, D]
  private final int[] lengths;     // tokens held by each row
  private final CpuDecodeStep cpuStep; // null: every step through ND4J
  private final Map<Integer, StepPass> stepPasses = new HashMap<>();
  private final Map<Integer, INDArray> cpuLogits = new HashMap<>(); // [n, V] by row count, CPU step only
  private final Map<Integer, PrefillPass> prefillPasses = new LinkedHashMap<>(PREFILL_SHAPES, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Integer, PrefillPass> eldest) {
      return size() > PREFILL_SHAPES;
    }
  };

  /**
   * @param engine   the model whose parameters to decode with (weights shared, buffers not)
   * @param maxBatch rows (independent sequences) the cache holds
   */
  public KvCacheDecoder(GptEngine engine, int maxBatch) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
    }
    this.config = engine.config();
    this.engine = engine;
    this.params = engine.parameters();
    LoraSettings l = engine.lora();
    // inference: adapters apply in full (a Linear with LoRA dropout would multiply its input by a mask)
    this.lora = l.dropout() > 0 ? new LoraSettings(l.rank(), l.alpha(), 0, l.targets(), l.trainableTokens()) : l;
    this.dataType = engine.dataType();
    this.cpuKernels = engine.usesCpuKernels();
    this.maxBatch = maxBatch;
    this.h = config.nHead();
    this.d = config.headSize();
    this.c = config.nEmbd();
    this.t = config.blockSize();
    this.scale = 1.0 / Math.sqrt(d);
    this.wte = engine.hasTrainableTokens() ? Nd4j.create(dataType, config.vocabSize(), c)
        : params.value("wte.weight");
    refreshEmbedding();
    this.wpe = params.value("wpe.weight");
    keys = new INDArray[config.nLayer()];
    values = new INDArray[config.nLayer()];
    for (int layer = 0; layer < config.nLayer(); layer++) {
      keys[layer] = Nd4j.create(dataType, maxBatch, h, t, d);
      values[layer] = Nd4j.create(dataType, maxBatch, h, t, d);
    }
    lengths = new int[maxBatch];
    cpuStep = cpuKernels ? new CpuDecodeStep(config, maxBatch) : null;
    if (cpuStep != null) {
      cpuStep.snapshot(params, lora, wte);
    }
  }

  public int maxBatch() {
    return maxBatch;
  }

  /** The context limit of a row (the model's block size). */
  public int blockSize() {
    return t;
  }

  /** Tokens the cache holds for {@code row}. */
  public int length(int row) {
    checkRow(row);
    return lengths[row];
  }

  /** Empties every row (the cached values stay in memory but are masked until overwritten). */
  public void reset() {
    Arrays.fill(lengths, 0);
    refreshEmbedding();
    if (cpuStep != null) {
      cpuStep.snapshot(params, lora, wte);
    }
  }

  private void refreshEmbedding() {
    if (engine.hasTrainableTokens()) {
      engine.effectiveEmbedding(wte);
    }
  }

  /**
   * Replaces the content of {@code row} with {@code promptIds} (1 to blockSize ids): runs them through the model at
   * positions [0, P), causal within the prompt, keeps their keys and values, and returns the logits [V] of the last
   * position, i.e. the scores of the token that follows. The array is the decoder's buffer, valid until the next
   * call ({@code dup()} it to keep it).
   */
  public INDArray prefill(int row, int[] promptIds) {
    checkRow(row);
    int p = promptIds.length;
    if (p < 1 || p > t) {
      throw new IllegalArgumentException("a prompt to prefill needs 1 to blockSize (" + t + ") ids, got " + p);
    }
    checkTokens(promptIds);
    PrefillPass pass = prefillPasses.computeIfAbsent(p, PrefillPass::new);
    pass.row = row;
    // embeddings: x = wte[prompt] + wpe[0:P]
    Nd4j.pullRows(wte, pass.x, 1, promptIds);
    Ops.add(pass.x, wpe.get(interval(0, p), all()), pass.x);
    lengths[row] = 0; // while the pass writes the cache the row is in between; a failure leaves it empty
    INDArray logits = pass.run();
    if (cpuStep != null) {
      cpuStep.loadRow(row, p, keys, values);
    }
    lengths[row] = p;
    return logits.reshape(config.vocabSize());
  }

  /**
   * Feeds one token to each of {@code rows} (distinct) at that row's current length, appending its key and value to
   * the cache, and returns the logits [rows.length, V] of the next token, in the order of {@code rows}. Rows can have
   * different lengths; a row that already holds blockSize tokens cannot take another (IllegalStateException). The
   * array is the decoder's buffer, valid until the next call.
   */
  public INDArray step(int[] rows, int[] tokenIds) {
    int n = rows.length;
    if (n < 1 || n > maxBatch || tokenIds.length != n) {
      throw new IllegalArgumentException("step needs 1 to maxBatch (" + maxBatch + ") rows and one token per row, got "
          + n + " rows and " + tokenIds.length + " tokens");
    }
    boolean[] seen = new boolean[maxBatch];
    int[] positions = new int[n];
    for (int i = 0; i < n; i++) {
      checkRow(rows[i]);
      if (seen[rows[i]]) {
        throw new IllegalArgumentException("row " + rows[i] + " is listed twice");
      }
      seen[rows[i]] = true;
      if (lengths[rows[i]] >= t) {
        throw new IllegalStateException("row " + rows[i] + " holds " + lengths[rows[i]] + " tokens, the block size"
            + " (context limit); re-prefill it with the window to keep before stepping it again");
      }
      positions[i] = lengths[rows[i]];
    }
    checkTokens(tokenIds);
    if (cpuStep != null) { // the Java step needs no ND4J pass, only a logits array to hand back
      INDArray logits = cpuLogits.computeIfAbsent(n, k -> Nd4j.create(dataType, k, config.vocabSize()));
      cpuStep.step(rows, tokenIds, positions, logits);
      for (int row : rows) {
        lengths[row]++;
      }
      return logits;
    }
    StepPass pass = stepPasses.computeIfAbsent(n, StepPass::new);
    pass.prepare(rows, positions);
    // embeddings: x[i] = wte[token i] + wpe[position i]
    Nd4j.pullRows(wte, pass.x, 1, tokenIds);
    Nd4j.pullRows(wpe, pass.positionEmbedding, 1, positions);
    Ops.add(pass.x, pass.positionEmbedding, pass.x);
    INDArray logits = pass.run();
    for (int row : rows) {
      lengths[row]++;
    }
    return logits;
  }

  private void checkRow(int row) {
    if (row < 0 || row >= maxBatch) {
      throw new IllegalArgumentException("row " + row + " is outside [0, " + maxBatch + ")");
    }
  }

  private void checkTokens(int[] ids) {
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= config.vocabSize()) {
        throw new IllegalArgumentException("token id " + ids[i] + " at " + i + " is outside [0, "
            + config.vocabSize() + ")");
      }
    }
  }

  /**
   * The blocks run on n rows of the residual stream, with buffers for that n; subclasses say how attention gets its
   * keys and values. Each layer's projections and LayerNorms are its own objects (they bind the layer's weights);
   * GELU is parameter-free, so one serves all layers.
   */
  private abstract class Pass {
    final int n;
    final List<Block> blocks = new ArrayList<>();
    final Gelu gelu;
    final LayerNorm lnf;
    final INDArray x;      // [n, C]  residual stream, updated in place
    final INDArray ln;     // [n, C]  ln_1 / ln_2 output
    final INDArray qkv;    // [n, 3C]
    final INDArray proj;   // [n, C]  c_proj outputs
    final INDArray hPre;   // [n, 4C]
    final INDArray sig;    // [n, 4C]
    final INDArray g;      // [n, 4C]
    final INDArray xf;     // [m, C]  ln_f of the rows whose logits are wanted
    final INDArray logits; // [m, V]

    Pass(int n, int outputRows) {
      this.n = n;
      for (int layer = 0; layer < config.nLayer(); layer++) {
        Block b = new Block(params, layer, config, lora, cpuKernels);
        b.ln1.resize(n, dataType);
        b.cAttn.resize(n, dataType);
        b.attnProj.resize(n, dataType);
        b.ln2.resize(n, dataType);
        b.fc.resize(n, dataType);
        b.mlpProj.resize(n, dataType);
        blocks.add(b);
      }
      gelu = new Gelu(cpuKernels);
      gelu.resize(n, 4 * c, dataType);
      lnf = new LayerNorm(params, "ln_f");
      lnf.resize(outputRows, dataType);
      x = Nd4j.create(dataType, n, c);
      ln = Nd4j.create(dataType, n, c);
      qkv = Nd4j.create(dataType, n, 3 * c);
      proj = Nd4j.create(dataType, n, c);
      hPre = Nd4j.create(dataType, n, 4 * c);
      sig = Nd4j.create(dataType, n, 4 * c);
      g = Nd4j.create(dataType, n, 4 * c);
      xf = Nd4j.create(dataType, outputRows, c);
      logits = Nd4j.create(dataType, outputRows, config.vocabSize());
    }

    /** Attention of layer {@code layer} from {@link #qkv}, storing its keys and values; returns y [n, C]. */
    abstract INDArray attend(int layer);

    /** The rows of the final residual stream whose logits are wanted [m, C]. */
    abstract INDArray outputRows();

    /** x holds the embeddings; runs the blocks (Block.forward's steps), ln_f and the tied head; returns [m, V]. */
    INDArray run() {
      for (int layer = 0; layer < blocks.size(); layer++) {
        Block b = blocks.get(layer);
        b.ln1.forward(x, ln);
        b.cAttn.forward(ln, qkv);
        b.attnProj.forward(attend(layer), proj);
        Ops.add(x, proj, x);
        b.ln2.forward(x, ln);
        b.fc.forward(ln, hPre);
        gelu.forward(hPre, sig, g);
        b.mlpProj.forward(g, proj);
        Ops.add(x, proj, x);
      }
      lnf.forward(outputRows(), xf);
      Ops.gemm(xf, false, wte, true, logits, 1, 0); // tied LM head: [m, C] x [V, C]^T
      return logits;
    }
  }

  /** One row's prompt of P positions: the engine's causal attention on [1, P], then k and v into the cache. */
  private final class PrefillPass extends Pass {
    final CausalSelfAttention attention;
    final INDArray y;    // [P, C]
    final INDArray last; // [1, C] the last position's residual stream, contiguous
    int row;

    PrefillPass(int p) {
      super(p, 1);
      attention = new CausalSelfAttention(h, d, cpuKernels);
      attention.resize(1, p, dataType);
      y = Nd4j.create(dataType, p, c);
      last = Nd4j.create(dataType, 1, c);
    }

    @Override
    INDArray attend(int layer) {
      attention.forward(qkv, y);
      // the prompt's keys and values, [1, H, P, D], into positions [0, P) of the row
      keys[layer].get(interval(row, row + 1), all(), interval(0, n), all()).assign(attention.heads(qkv, 1));
      values[layer].get(interval(row, row + 1), all(), interval(0, n), all()).assign(attention.heads(qkv, 2));
      return y;
    }

    @Override
    INDArray outputRows() {
      last.assign(x.get(interval(n - 1, n), all())); // the last position only
      return last;
    }
  }

  /**
   * n rows, one new token each: q [n, H, 1, D] against each row's whole cache [n, H, T, D], the positions past the
   * row's length masked.
   */
  private final class StepPass extends Pass {
    final INDArray positionEmbedding; // [n, C]
    final INDArray q;        // [n, H, 1, D]
    final INDArray qHeads;   // [n, H, D] view of q
    final INDArray kRows;    // [n, H, T, D] the listed rows' caches, gathered (rows not consecutive)
    final INDArray vRows;    // [n, H, T, D]
    final INDArray att;      // [n, H, 1, T]
    final INDArray yHeads;   // [n, H, 1, D]: in 'c' order the same memory as y [n, C] with heads side by side
    final INDArray y;        // [n, C] view of yHeads
    final INDArray mask;     // [n, T] additive: 0 up to each row's new position, -1e9 after
    int[] rows;
    int[] positions;
    boolean consecutive;

    StepPass(int n) {
      super(n, n);
      positionEmbedding = Nd4j.create(dataType, n, c);
      q = Nd4j.create(dataType, n, h, 1, d);
      qHeads = q.reshape('c', n, h, d);
      kRows = Nd4j.create(dataType, n, h, t, d);
      vRows = Nd4j.create(dataType, n, h, t, d);
      att = Nd4j.create(dataType, n, h, 1, t);
      yHeads = Nd4j.create(dataType, n, h, 1, d);
      y = yHeads.reshape('c', n, c);
      mask = Nd4j.create(dataType, n, t);
    }

    void prepare(int[] rows, int[] positions) {
      this.rows = rows;
      this.positions = positions;
      consecutive = true;
      for (int i = 1; i < n; i++) {
        consecutive &= rows[i] == rows[0] + i;
      }
      double[] m = new double[n * t];
      for (int i = 0; i < n; i++) {
        Arrays.fill(m, i * t + positions[i] + 1, (i + 1) * t, CausalSelfAttention.MASKED);
      }
      try (INDArray additive = Nd4j.create(m, new long[] {n, t}, DataType.DOUBLE)) {
        mask.assign(additive);
      }
    }

    @Override
    INDArray attend(int layer) {
      INDArray split = qkv.reshape('c', n, 3, h, d); // [q | k | v], heads contiguous
      qHeads.assign(split.get(all(), point(0), all(), all()));
      for (int i = 0; i < n; i++) { // append this token's k and v [H, D] at the row's position
        keys[layer].get(point(rows[i]), all(), point(positions[i]), all())
            .assign(split.get(point(i), point(1), all(), all()));
        values[layer].get(point(rows[i]), all(), point(positions[i]), all())
            .assign(split.get(point(i), point(2), all(), all()));
      }
      INDArray k = cachedRows(keys[layer], kRows);
      INDArray v = cachedRows(values[layer], vRows);
      Ops.bmm(q, false, k, true, att, scale);  // q k^T / sqrt(D)     [n, H, 1, T]
      Ops.addBroadcast(att, mask, att, 0, 3);  // + mask of each row's length
      Ops.softmax(att, att);
      Ops.bmm(att, false, v, false, yHeads, 1); // att v              [n, H, 1, D]
      return y;
    }

    /** The listed rows of a cache [maxBatch, H, T, D]: a view when they are consecutive, else gathered. */
    private INDArray cachedRows(INDArray cache, INDArray gathered) {
      if (consecutive) {
        return cache.get(interval(rows[0], rows[0] + n), all(), all(), all());
      }
      long rowLength = (long) h * t * d;
      Nd4j.pullRows(cache.reshape('c', maxBatch, rowLength), gathered.reshape('c', n, rowLength), 1, rows);
      return gathered;
    }

    @Override
    INDArray outputRows() {
      return x;
    }
  }
}
