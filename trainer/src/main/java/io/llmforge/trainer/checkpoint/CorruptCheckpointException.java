package io.llmforge.trainer.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint file that is missing, truncated or does not match its recorded sha256; the message names it. */
public final class CorruptCheckpointException extends IOException {
  private static final long serialVersionUID = 1L;

  public CorruptCheckpointException(Path file, String problem) {
    super(file + " " + problem);
  }
}
