package io.llmforge.trainer.sft;

import java.io.Serializable;

/**
 * One row as read from an input file, before parsing: its JSON text, or why it could not be read.
 *
 * @param source the input file
 * @param index  the row's position in the file (0-based, counting rows: JSON array elements, or non-blank JSONL lines)
 * @param json   the row's JSON text; null when {@code reason} is set
 * @param reason a {@link BadConversation} reason when the row could not even be read; null otherwise
 */
public record RawRow(String source, long index, String json, String reason, String detail) implements Serializable {

  public static RawRow of(String source, long index, String json) {
    return new RawRow(source, index, json, null, null);
  }

  public static RawRow failed(String source, long index, String reason, String detail) {
    return new RawRow(source, index, null, reason, detail);
  }

  /** Stable id of the row: file and position. */
  public String id() {
    return source + "#" + index;
  }
}
