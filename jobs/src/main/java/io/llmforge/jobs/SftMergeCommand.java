package io.llmforge.jobs;

import io.llmforge.trainer.sft.SftMerge;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code llmforge sft-merge}: folds a LoRA checkpoint's adapters into its base, writing a plain checkpoint. */
@Command(name = "sft-merge", mixinStandardHelpOptions = true,
    description = "Merge LoRA adapters into the base weights: a plain checkpoint run folder (for generate, chat, "
        + "sft.base or export).")
final class SftMergeCommand implements Callable<Integer> {
  @Option(names = "--checkpoint", required = true, paramLabel = "DIR",
      description = "An sft run folder (its newest good checkpoint) or one step-N folder.")
  Path checkpoint;

  @Option(names = "--output", required = true, paramLabel = "DIR", description = "The merged run folder (replaced).")
  Path output;

  @Override
  public Integer call() {
    Path written = SftMerge.write(checkpoint, output, System.err);
    System.out.println("sft-merge: wrote " + written);
    return 0;
  }
}
