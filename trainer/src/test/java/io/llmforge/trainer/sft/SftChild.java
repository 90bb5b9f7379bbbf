package io.llmforge.trainer.sft;

import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;

/** The SFT run that {@link SftKillTest} kills: data, base, output, max steps. */
public final class SftChild {
  private SftChild() {}

  public static void main(String[] args) {
    SftTraining.run(SftKillTest.settings(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]),
        Integer.parseInt(args[3])), new Configuration(), System.out);
  }
}
