package io.llmforge.jobs;

import io.llmforge.trainer.export.HfExport;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code llmforge export}: a checkpoint as a Hugging Face GPT-2 folder (safetensors), for transformers. */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Export a checkpoint as a Hugging Face GPT-2 folder (config.json, model.safetensors, tokenizer); "
        + "LoRA adapters are merged. Loads with GPT2LMHeadModel.from_pretrained(DIR).")
final class ExportCommand implements Callable<Integer> {
  @Option(names = "--checkpoint", required = true, paramLabel = "DIR",
      description = "A pretrain, sft or dpo run folder (its newest good checkpoint) or one step-N folder.")
  Path checkpoint;

  @Option(names = "--output", required = true, paramLabel = "DIR", description = "The folder to write.")
  Path output;

  @Option(names = "--format", defaultValue = HfExport.FORMAT, description = "hf (Hugging Face GPT-2; the only one).")
  String format;

  @Option(names = "--force", description = "Replace a non-empty output.")
  boolean force;

  @Override
  public Integer call() {
    if (!HfExport.FORMAT.equals(format)) {
      System.err.println("export: unknown --format " + format + "; the only format is " + HfExport.FORMAT);
      return 2;
    }
    try {
      HfExport.Result r = HfExport.write(checkpoint, output, force, System.err);
      System.out.printf(Locale.ROOT, "export: wrote %s (Hugging Face GPT-2, %,d parameters, from %s%s)%n",
          r.output(), r.parameters(), r.checkpoint(), r.loraMerged() ? ", LoRA adapters merged" : "");
      return 0;
    } catch (IllegalArgumentException e) {
      // a usage problem (no checkpoint there, an output in the way): one line, as the other commands say it
      System.err.println("export: " + e.getMessage());
      return 2;
    } catch (IllegalStateException | UncheckedIOException e) {
      System.err.println("export: " + e.getMessage());
      return 1;
    }
  }
}
