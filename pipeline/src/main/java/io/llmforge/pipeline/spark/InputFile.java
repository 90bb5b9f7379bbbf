package io.llmforge.pipeline.spark;

import io.llmforge.pipeline.ingest.InputFormat;
import java.io.Serializable;

/** One file to read, with the format chosen for it. */
public record InputFile(String path, InputFormat format, long bytes) implements Serializable {}
