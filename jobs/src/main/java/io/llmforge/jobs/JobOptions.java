package io.llmforge.jobs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every job takes: configuration files, overrides, and whether to recompute a finished output. */
public final class JobOptions {
  @Option(names = "--conf", paramLabel = "FILE", description = "HOCON configuration file; repeatable, later files win.")
  List<Path> confFiles = new ArrayList<>();

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override one key, e.g. --set clean.language.min-score=0.8; repeatable, wins over files.")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--overwrite", description = "Recompute outputs that are already finished.")
  boolean overwrite;

  /** Overrides with --overwrite folded in for the given job section. */
  List<String> overridesFor(String section) {
    List<String> all = new ArrayList<>(overrides);
    if (overwrite) {
      all.add(section + ".overwrite=true");
    }
    return all;
  }
}
