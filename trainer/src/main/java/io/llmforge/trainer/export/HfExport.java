package io.llmforge.trainer.export;

import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.checkpoint.RunFolder;
import io.llmforge.trainer.checkpoint.SafeTensors;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.sft.SftMerge;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code llmforge export --format hf}: a checkpoint (a run folder's newest good one, or one step folder; LoRA
 * adapters merged) as a Hugging Face GPT-2 folder that {@code GPT2LMHeadModel.from_pretrained} and
 * {@code AutoTokenizer.from_pretrained} load: {@code config.json}, {@code model.safetensors} (F32, GPT-2's names and
 * layouts, see {@link Gpt2Tensors}), {@code generation_config.json}, the checkpoint's {@code tokenizer.json} (already
 * Hugging Face's format) with {@code tokenizer_config.json} and {@code special_tokens_map.json}.
 *
 * <p>The folder is written next to the output under a hidden name and renamed into place, so a reader never sees a
 * half-written export; a non-empty output is replaced only when forced (the old one is moved aside until the new one
 * is in place, then deleted).
 */
public final class HfExport {
  public static final String FORMAT = "hf";
  public static final String CONFIG = "config.json";
  public static final String GENERATION_CONFIG = "generation_config.json";
  public static final String MODEL = "model.safetensors";
  public static final String TOKENIZER = "tokenizer.json";
  public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
  public static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";

  /** What was written: the folder, the checkpoint it came from, its scalars, and whether adapters were merged. */
  public record Result(Path output, Path checkpoint, long parameters, boolean loraMerged) {}

  private HfExport() {}

  /**
   * Exports {@code checkpoint} to {@code output}. Bad arguments (an output that is a file, not empty without
   * {@code force}, or that holds the checkpoint; no checkpoint there) are {@link IllegalArgumentException}s; a
   * checkpoint that cannot be exported (corrupt, no tokenizer, a tensor GPT-2 has no place for) an
   * {@link IllegalStateException}; messages name the path and the problem.
   */
  public static Result write(Path checkpoint, Path output, boolean force, PrintStream warnings) {
    if (!Files.exists(checkpoint)) {
      throw new IllegalArgumentException("checkpoint " + checkpoint + " does not exist");
    }
    checkOutput(output, force, checkpoint);
    Path folder = Checkpoint.resolve(checkpoint, warnings);
    checkOutput(output, force, folder);
    Path tokenizerFile = Checkpoint.tokenizerFile(folder);
    if (!Files.isRegularFile(tokenizerFile)) {
      throw new IllegalStateException("checkpoint " + folder + " has no " + Checkpoint.TOKENIZER + " (nor has its "
          + "run folder); a Hugging Face model needs one");
    }
    ByteLevelBpe tokenizer = readTokenizer(tokenizerFile);
    LoraSettings lora = Checkpoint.readLora(folder);
    GptEngine model = SftMerge.load(folder, warnings);
    refuseForeignTensors(folder, model);
    if (tokenizer.vocabSize() > model.config().vocabSize()) {
      throw new IllegalStateException(tokenizerFile + " has " + tokenizer.vocabSize() + " ids, more than the model's "
          + "vocabulary of " + model.config().vocabSize());
    }
    Map<String, INDArray> tensors = Gpt2Tensors.of(model);
    HfConfigFiles files = new HfConfigFiles(model.config(), Gpt2Tensors.tied(model), tokenizer);

    Path target = output.toAbsolutePath().normalize();
    Path parent = target.getParent();
    Path tmp = parent.resolve("." + target.getFileName() + ".tmp-" + System.nanoTime());
    try {
      Files.createDirectories(tmp);
      Files.writeString(tmp.resolve(CONFIG), files.config());
      Files.writeString(tmp.resolve(GENERATION_CONFIG), files.generationConfig());
      // transformers refuses a safetensors file whose metadata does not say its framework
      SafeTensors.write(tmp.resolve(MODEL), tensors, Map.of("format", "pt"));
      Files.copy(tokenizerFile, tmp.resolve(TOKENIZER));
      Files.writeString(tmp.resolve(TOKENIZER_CONFIG), files.tokenizerConfig());
      Files.writeString(tmp.resolve(SPECIAL_TOKENS_MAP), files.specialTokensMap());
      publish(tmp, target);
    } catch (IOException e) {
      RunFolder.delete(tmp);
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      RunFolder.delete(tmp);
      throw e;
    }
    return new Result(target, folder, model.parameters().count(), lora.enabled());
  }

  /** Before any work: the output is a folder (or absent), empty unless forced, and not where the checkpoint is. */
  private static void checkOutput(Path output, boolean force, Path source) {
    Path out = real(output);
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new IllegalArgumentException("output " + output + " is a file, not a folder");
    }
    if (real(source).startsWith(out)) {
      throw new IllegalArgumentException("output " + output + " holds the checkpoint " + source + "; export to "
          + "another folder");
    }
    if (!force && !isEmptyOrAbsent(out)) {
      throw new IllegalArgumentException("output " + output + " is not empty; pass --force to replace it");
    }
  }

  private static Path real(Path p) {
    try {
      return Files.exists(p) ? p.toRealPath() : p.toAbsolutePath().normalize();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot resolve " + p, e);
    }
  }

  private static boolean isEmptyOrAbsent(Path dir) {
    if (!Files.exists(dir)) {
      return true;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  /** PPO's critic ({@code value} head): it trains alongside the policy and is no part of the language model. */
  private static final Set<String> TRAINING_ONLY = Set.of("value.weight");

  /**
   * The checkpoint's weights must all be the language model's (or {@link #TRAINING_ONLY}): a reward model's {@code score.weight} (or any other
   * head) has no place in GPT2LMHeadModel, and dropping it silently would export a different model.
   */
  private static void refuseForeignTensors(Path folder, GptEngine model) {
    Path file = folder.resolve(Checkpoint.MODEL);
    Set<String> known = Set.copyOf(model.parameters().names());
    try {
      for (String name : SafeTensors.tensorInfo(file).keySet()) {
        if (!known.contains(name) && !TRAINING_ONLY.contains(name)) {
          throw new IllegalStateException(file + " has a tensor " + name + " that GPT-2 has no place for"
              + (GptEngine.isHeadTensor(name) ? " (a scalar head: this is a reward model, not a language model)" : "")
              + "; export takes pretrain, sft, dpo, kto, grpo and ppo checkpoints");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static ByteLevelBpe readTokenizer(Path file) {
    try {
      return TokenizerJson.read(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(file + ": " + e.getMessage(), e);
    }
  }

  /** Renames the finished {@code tmp} to {@code target}; a previous target is moved aside first, deleted after. */
  private static void publish(Path tmp, Path target) throws IOException {
    Path old = null;
    if (Files.exists(target)) {
      old = target.resolveSibling("." + target.getFileName() + ".old-" + System.nanoTime());
      Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      if (old != null) {
        Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
      }
      throw e;
    }
    if (old != null) {
      RunFolder.delete(old);
    }
  }
}
