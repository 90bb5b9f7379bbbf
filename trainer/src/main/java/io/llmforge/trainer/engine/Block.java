package io.llmforge.trainer.engine;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One pre-LayerNorm transformer block, nanoGPT's {@code Block}:
 * {@code x = x + attn.c_proj(attention(attn.c_attn(ln_1(x))))}, then
 * {@code x = x + mlp.c_proj(gelu(mlp.c_fc(ln_2(x))))}. Forward keeps every activation backward needs in buffers
 * allocated once per batch shape; backward walks the same steps in reverse (llm.c's layout).
 */
final class Block {
  /** This layer's activation buffers for the current batch shape. */
  private final Buffers buffers = new Buffers();
  final LayerNorm ln1;
  final Linear cAttn;
  final CausalSelfAttention attention;
  final Linear attnProj;
  final LayerNorm ln2;
  final Linear fc;
  final Gelu gelu;
  final Linear mlpProj;
  private final int c;
  // activations                 shapes (N = B*T)
  private INDArray ln1Out;    // [N, C]
  private INDArray qkv;       // [N, 3C]
  private INDArray y;         // [N, C]  attention output, heads merged
  private INDArray xMid;      // [N, C]  residual stream after attention
  private INDArray ln2Out;    // [N, C]
  private INDArray hPre;      // [N, 4C] c_fc output
  private INDArray sig;       // [N, 4C] sigmoid kept by GELU
  private INDArray g;         // [N, 4C] GELU output

  Block(Parameters p, int layer, GptConfig config, LoraSettings lora, boolean cpuKernels) {
    String prefix = "h." + layer + ".";
    this.c = config.nEmbd();
    ln1 = new LayerNorm(p, prefix + "ln_1");
    cAttn = new Linear(p, prefix + "attn.c_attn", lora);
    attention = new CausalSelfAttention(config.nHead(), config.headSize(), cpuKernels);
    attnProj = new Linear(p, prefix + "attn.c_proj", lora);
    ln2 = new LayerNorm(p, prefix + "ln_2");
    fc = new Linear(p, prefix + "mlp.c_fc", lora);
    gelu = new Gelu(cpuKernels);
    mlpProj = new Linear(p, prefix + "mlp.c_proj", lora);
  }

  void resize(int b, int t, DataType dt) {
    int n = b * t;
    ln1.resize(n, dt);
    cAttn.resize(n, dt);
    attention.resize(b, t, dt);
    attnProj.resize(n, dt);
    ln2.resize(n, dt);
    fc.resize(n, dt);
    gelu.resize(n, 4 * c, dt);
    mlpProj.resize(n, dt);
    buffers.release();
    ln1Out = buffers.create(dt, n, c);
    qkv = buffers.create(dt, n, 3 * c);
    y = buffers.create(dt, n, c);
    xMid = buffers.create(dt, n, c);
    ln2Out = buffers.create(dt, n, c);
    hPre = buffers.create(dt, n, 4 * c);
    sig = buffers.create(dt, n, 4 * c);
    g = buffers.create(dt, n, 4 * c);
  }

  void drawDropoutMasks(SplittableRandom random) {
    cAttn.drawDropoutMask(random);
    attnProj.drawDropoutMask(random);
    fc.drawDropoutMask(random);
    mlpProj.drawDropoutMask(random);
  }

  /** xOut = block(xIn); {@code s.proj} is a [N, C] scratch. */
  void forward(INDArray xIn, INDArray xOut, Scratch s) {
    ln1.forward(xIn, ln1Out);
    cAttn.forward(ln1Out, qkv);
    attention.forward(qkv, y);
    attnProj.forward(y, s.proj);
    Ops.add(xIn, s.proj, xMid);
    ln2.forward(xMid, ln2Out);
    fc.forward(ln2Out, hPre);
    gelu.forward(hPre, sig, g);
    mlpProj.forward(g, s.proj);
    Ops.add(xMid, s.proj, xOut);
  }

  /** dres: dL/dxOut in, dL/dxIn out (in place); parameter gradients accumulate. */
  void backward(INDArray dres, Scratch s) {
    mlpProj.backward(g, dres, s.dWide, false);   // dg        [N, 4C]
    gelu.backward(hPre, sig, s.dWide);            // dh (in place)
    fc.backward(ln2Out, s.dWide, s.dNarrow, false);
    ln2.backward(s.dNarrow, dres);                // dres += dln2
    attnProj.backward(y, dres, s.dNarrow, false); // dy        [N, C]
    attention.backward(s.dNarrow, s.dqkv, s.attention);
    cAttn.backward(ln1Out, s.dqkv, s.dNarrow, false);
    ln1.backward(s.dNarrow, dres);                // dres += dln1
  }

  /** Buffers every block uses one at a time, allocated once per batch shape. */
  static final class Scratch {
    final INDArray proj;    // [N, C]
    final INDArray dNarrow; // [N, C]
    final INDArray dWide;   // [N, 4C]
    final INDArray dqkv;    // [N, 3C]
    final CausalSelfAttention.Scratch attention;

    private final Buffers buffers = new Buffers();

    Scratch(int b, int t, GptConfig config, DataType dt, boolean cpuKernels) {
      int n = b * t;
      int c = config.nEmbd();
      proj = buffers.create(dt, n, c);
      dNarrow = buffers.create(dt, n, c);
      dWide = buffers.create(dt, n, 4 * c);
      dqkv = buffers.create(dt, n, 3 * c);
      attention = new CausalSelfAttention.Scratch(b, config.nHead(), t, config.headSize(), dt, cpuKernels);
    }

    /** Frees the buffers (the engine's shape changed). */
    void release() {
      buffers.release();
      attention.release();
    }
  }
}
