package io.llmforge.trainer.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The reference the hand-written {@link GptEngine} is checked against: the same GPT-2 as a SameDiff graph, whose
 * gradients come from SameDiff's own autodiff. Same tensor names and shapes as the engine (Hugging Face GPT-2's), so
 * weights copy over by name. The graph's loss is {@code sum(wLogp * logp) + sum(wHidden * hidden)} for placeholder
 * weights, which makes its gradient exactly what {@link GptEngine#backward} computes for dL/dlogp = wLogp and
 * dL/dhidden = wHidden.
 *
 * <p>ND4J M2.1 pitfalls are avoided as the old SameDiff trainer did (see Dl4jPitfallsTest): embeddings are
 * {@code oneHot(ids) x wte}, log-softmax is composed, the causal mask is additive.
 */
final class SameDiffGpt {
  static final String TOKENS = "tokens";
  static final String TARGETS = "targets";
  static final String W_LOGP = "w_logp";
  static final String W_HIDDEN = "w_hidden";
  static final String LOGP = "logp";
  static final String HIDDEN = "hidden";
  static final String LOSS = "loss";

  private final GptConfig config;
  private final DataType dt;
  private final SameDiff sd = SameDiff.create();
  private final List<String> names = new ArrayList<>();
  private final Parameters source;
  private final double loraScale;
  private final int t;

  /**
   * A graph for sequences of exactly {@code t} tokens, with the values of {@code source}'s tensors; LoRA adapters in
   * the source are applied with {@code loraScale} (the reference has no dropout).
   */
  SameDiffGpt(GptConfig config, Parameters source, int t, double loraScale) {
    this.config = config;
    this.dt = source.dataType();
    this.source = source;
    this.t = t;
    this.loraScale = loraScale;
    build();
  }

  /** Outputs and gradients of every tensor for one batch. */
  Result run(int[][] tokens, int[][] targets, INDArray wLogp, INDArray wHidden) {
    Map<String, INDArray> feed = new LinkedHashMap<>();
    feed.put(TOKENS, Nd4j.createFromArray(tokens));
    feed.put(TARGETS, Nd4j.createFromArray(targets));
    feed.put(W_LOGP, wLogp.reshape(-1).castTo(dt));
    feed.put(W_HIDDEN, wHidden.reshape(-1, config.nEmbd()).castTo(dt));
    var out = sd.calculateGradientsAndOutputs(feed, List.of(LOSS, LOGP, HIDDEN), names);
    Map<String, INDArray> grads = new LinkedHashMap<>();
    out.getGradients().forEach((k, v) -> grads.put(k, v.dup()));
    return new Result(out.getOutputs().get(LOSS).getDouble(0), out.getOutputs().get(LOGP).dup(),
        out.getOutputs().get(HIDDEN).dup(), grads);
  }

  record Result(double loss, INDArray logp, INDArray hidden, Map<String, INDArray> gradients) {}

  private void build() {
    int v = config.vocabSize();
    int c = config.nEmbd();
    SDVariable tokens = sd.placeHolder(TOKENS, DataType.INT, -1, t);
    SDVariable targets = sd.placeHolder(TARGETS, DataType.INT, -1, t);
    SDVariable wLogp = sd.placeHolder(W_LOGP, dt, -1);
    SDVariable wHidden = sd.placeHolder(W_HIDDEN, dt, -1, c);
    SDVariable wte = param("wte.weight");
    SDVariable wpe = sd.slice(param("wpe.weight"), new int[] {0, 0}, t, c);
    SDVariable oneHot = sd.oneHot(sd.reshape(tokens, -1), v, -1, 1.0, 0.0, dt);
    SDVariable x = sd.reshape(sd.reshape(oneHot.mmul(wte), -1, t, c).add(wpe), -1, c);
    SDVariable mask = sd.constant("causal_mask", CausalSelfAttention.causalMask(t, dt));
    for (int l = 0; l < config.nLayer(); l++) {
      String p = "h." + l + ".";
      x = x.add(linear(p + "attn.c_proj", attention(linear(p + "attn.c_attn", layerNorm(p + "ln_1", x)), mask)));
      x = x.add(linear(p + "mlp.c_proj", gelu(linear(p + "mlp.c_fc", layerNorm(p + "ln_2", x)))));
    }
    SDVariable hidden = sd.identity(HIDDEN, layerNorm("ln_f", x));
    SDVariable logits = sd.mmul(hidden, wte, false, true, false);
    SDVariable max = logits.max(true, 1);
    SDVariable shifted = logits.sub(max);
    SDVariable logSoftmax = shifted.sub(sd.math().log(sd.math().exp(shifted).sum(true, 1)));
    SDVariable tgt = sd.oneHot(sd.reshape(targets, -1), v, -1, 1.0, 0.0, dt);
    SDVariable logp = sd.identity(LOGP, tgt.mul(logSoftmax).sum(1));
    SDVariable loss = sd.identity(LOSS, wLogp.mul(logp).sum().add(wHidden.mul(hidden).sum()));
    sd.setLossVariables(loss);
  }

  private SDVariable attention(SDVariable qkv, SDVariable mask) {
    int c = config.nEmbd();
    int h = config.nHead();
    int d = config.headSize();
    SDVariable q = heads(sd.slice(qkv, new int[] {0, 0}, -1, c), h, d);
    SDVariable k = heads(sd.slice(qkv, new int[] {0, c}, -1, c), h, d);
    SDVariable v = heads(sd.slice(qkv, new int[] {0, 2 * c}, -1, c), h, d);
    SDVariable scores = sd.mmul(q, k, false, true, false).mul(1.0 / Math.sqrt(d));
    SDVariable weights = sd.nn().softmax(scores.add(mask), 3);
    SDVariable y = sd.mmul(weights, v);
    return sd.reshape(sd.permute(y, 0, 2, 1, 3), -1, c);
  }

  private SDVariable heads(SDVariable x, int h, int d) {
    return sd.permute(sd.reshape(x, -1, t, h, d), 0, 2, 1, 3);
  }

  private SDVariable gelu(SDVariable x) {
    SDVariable inner = x.add(sd.math().cube(x).mul(0.044715)).mul(Math.sqrt(2.0 / Math.PI));
    return x.mul(sd.math().tanh(inner).add(1.0)).mul(0.5);
  }

  private SDVariable linear(String name, SDVariable x) {
    SDVariable y = x.mmul(param(name + ".weight")).add(param(name + ".bias"));
    if (source.contains(name + ".lora_A")) {
      y = y.add(x.mmul(param(name + ".lora_A")).mmul(param(name + ".lora_B")).mul(loraScale));
    }
    return y;
  }

  private SDVariable layerNorm(String name, SDVariable x) {
    // composed rather than ND4J's layerNorm op, which has no epsilon (PyTorch's is 1e-5)
    SDVariable mean = x.mean(true, 1);
    SDVariable centred = x.sub(mean);
    SDVariable var = centred.mul(centred).mean(true, 1);
    SDVariable xhat = centred.div(sd.math().sqrt(var.add(LayerNorm.EPS)));
    return xhat.mul(param(name + ".weight")).add(param(name + ".bias"));
  }

  private SDVariable param(String name) {
    if (!names.contains(name)) {
      names.add(name);
      return sd.var(name, source.value(name).dup());
    }
    return sd.getVariable(name);
  }
}
