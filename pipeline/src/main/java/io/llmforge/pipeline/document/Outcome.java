package io.llmforge.pipeline.document;

import java.io.Serializable;

/**
 * What became of one input item: a kept document, or a document rejected at a named stage for a reason.
 * Rejected documents keep everything known about them (text, signals) so that thresholds can be re-tuned.
 */
public record Outcome(Document document, String rejectStage, String rejectReason) implements Serializable {

  public Outcome {
    if ((rejectStage == null) != (rejectReason == null)) {
      throw new IllegalArgumentException("stage and reason go together: " + rejectStage + " / " + rejectReason);
    }
  }

  public static Outcome kept(Document document) {
    return new Outcome(document, null, null);
  }

  public static Outcome rejected(Document document, String stage, String reason) {
    return new Outcome(document, stage, reason);
  }

  public boolean isKept() {
    return rejectStage == null;
  }
}
