package io.llmforge.jobs;

/**
 * spark-submit entry point of the tokenizer-train job:
 * {@code spark-submit --class io.llmforge.jobs.TokenizerTrainMain llmforge-jobs.jar --conf my.conf}.
 */
public final class TokenizerTrainMain {
  private TokenizerTrainMain() {}

  public static void main(String[] args) {
    int code = Llmforge.runJob("tokenizer-train", args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
