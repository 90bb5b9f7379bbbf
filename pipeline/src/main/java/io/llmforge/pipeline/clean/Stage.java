package io.llmforge.pipeline.clean;

/** {@code reject_stage} values set by the clean job itself; filters reject under their own names. */
public final class Stage {
  public static final String INGEST = "ingest";
  public static final String DECODE = "decode";
  public static final String EXTRACT = "extract";
  public static final String EXACT_DEDUP = "exact_dedup";
  public static final String PARAGRAPH_DEDUP = "paragraph_dedup";

  private Stage() {}
}
