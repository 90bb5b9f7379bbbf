package io.llmforge.jobs;

/**
 * spark-submit entry point of the tokenize job:
 * {@code spark-submit --class io.llmforge.jobs.TokenizeMain llmforge-jobs.jar --conf my.conf}.
 */
public final class TokenizeMain {
  private TokenizeMain() {}

  public static void main(String[] args) {
    int code = Llmforge.runJob("tokenize", args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
