package io.llmforge.jobs;

import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.metrics.MetricsLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@code bench dpo} and {@code bench kto} share: their input checks and the training curve they report. */
final class PreferenceBenches {
  private PreferenceBenches() {}

  /** Says in one line what is missing (a shared data file, the SFT model) and returns false; true when all is there. */
  static boolean inputsPresent(String bench, Path data, List<String> files, Path base) {
    for (String f : files) {
      if (!Files.isRegularFile(data.resolve(f))) {
        System.err.println(bench + ": " + data.resolve(f) + " is absent (it is in ../shared/data; pass --data)");
        return false;
      }
    }
    if (!Checkpoint.exists(base) && !Files.isRegularFile(base.resolve(Checkpoint.MODEL))) {
      System.err.println(bench + ": no SFT model at " + base + "; make it with `llmforge bench sft --languages en "
          + "--variants full` or pass --base");
      return false;
    }
    return true;
  }

  /** The training steps' {@code keys} from a run's metrics.jsonl (lines with {@code rewards/margins}). */
  static List<Map<String, Object>> trainCurve(Path run, List<String> keys) {
    List<Map<String, Object>> curve = new ArrayList<>();
    for (Map<String, Object> line : new MetricsLog(run.resolve(MetricsLog.FILE)).read()) {
      if (line.containsKey("rewards/margins")) {
        Map<String, Object> point = new LinkedHashMap<>();
        for (String k : keys) {
          point.put(k, line.get(k));
        }
        curve.add(point);
      }
    }
    return curve;
  }
}
