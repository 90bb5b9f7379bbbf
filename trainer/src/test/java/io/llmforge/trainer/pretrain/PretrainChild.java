package io.llmforge.trainer.pretrain;

import java.nio.file.Path;

/** Entry point of the JVM that {@link PretrainKillTest} kills mid-run: {@code <shards> <output> <maxSteps>}. */
final class PretrainChild {
  private PretrainChild() {}

  public static void main(String[] args) {
    PretrainingTest.run(PretrainingTest.settings(Path.of(args[0]), Path.of(args[1]), Integer.parseInt(args[2])));
  }
}
