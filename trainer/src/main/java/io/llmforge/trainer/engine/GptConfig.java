package io.llmforge.trainer.engine;


/**
 * Hyper-parameters of a {@link GptEngine}, the same names and meaning as nanoGPT's {@code GPTConfig}.
 *
 * @param vocabSize ids are in {@code [0, vocabSize)}
 * @param blockSize context length T: the model always runs on [batch, blockSize] tokens
 * @param nLayer    transformer blocks
 * @param nHead     attention heads; must divide {@code nEmbd}
 * @param nEmbd     width C of the residual stream
 * @param dropout   must be 0 for now (nanoGPT's CPU config and all our benchmarks use 0)
 * @param seed      seeds the weight initialisation, so two processes build identical models
 */
public record GptConfig(int vocabSize, int blockSize, int nLayer, int nHead, int nEmbd, double dropout, long seed) {

  public GptConfig {
    require(vocabSize >= 2, "vocabSize must be >= 2, got " + vocabSize);
    require(blockSize >= 1, "blockSize must be >= 1, got " + blockSize);
    require(nLayer >= 1, "nLayer must be >= 1, got " + nLayer);
    require(nHead >= 1, "nHead must be >= 1, got " + nHead);
    require(nEmbd >= 1 && nEmbd % nHead == 0, "nEmbd (" + nEmbd + ") must be a positive multiple of nHead (" + nHead
        + ")");
    require(dropout == 0.0, "dropout " + dropout + " is not supported yet; use 0");
  }

  /** Width of one attention head. */
  public int headSize() {
    return nEmbd / nHead;
  }

  /** nanoGPT's CPU configuration for tinyshakespeare (4 layers, 4 heads, 128 wide, context 64). */
  public static GptConfig nanoGptCpu(int vocabSize, long seed) {
    return new GptConfig(vocabSize, 64, 4, 4, 128, 0.0, seed);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
