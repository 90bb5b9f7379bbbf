package io.llmforge.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.JobConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DedupSettingsTest {
  private static DedupSettings load(String... overrides) {
    List<String> all = new ArrayList<>(List.of("dedup.input=[in]", "dedup.output=out"));
    all.addAll(List.of(overrides));
    return DedupSettings.from(JobConfig.load("dedup", List.of("dedup"), List.of(), all));
  }

  @Test
  void packagedDefaults() {
    DedupSettings s = load();
    assertEquals(List.of("in"), s.inputs());
    assertEquals(5, s.shingleSize());
    assertEquals(new LshBands(20, 6), s.bands());
    assertEquals(0.8, s.threshold());
    assertEquals(VerifyMode.EXACT, s.verify());
    assertEquals(RepresentativePolicy.LONGEST, s.representative());
    assertEquals(100, s.maxBucketSize());
    assertEquals("", s.checkpointDir());
    assertTrue(s.bands().candidateProbability(s.threshold()) > 0.99, "defaults must reach J = 0.8");
  }

  @Test
  void overridesAndValidation() {
    DedupSettings s = load("dedup.bands=16", "dedup.rows=8", "dedup.verify=signature", "dedup.representative=earliest");
    assertEquals(128, s.bands().numHashes());
    assertEquals(VerifyMode.SIGNATURE, s.verify());
    assertEquals(RepresentativePolicy.EARLIEST, s.representative());
    assertThrows(ConfigError.class, () -> load("dedup.threshold=1.5"));
    assertThrows(ConfigError.class, () -> load("dedup.verify=maybe"));
    ConfigError tooMany = assertThrows(ConfigError.class, () -> load("dedup.bands=100", "dedup.rows=100"));
    assertTrue(tooMany.getMessage().contains("dedup.rows"), tooMany.getMessage());
    ConfigError typo = assertThrows(ConfigError.class, () -> load("dedup.treshold=0.9"));
    assertTrue(typo.getMessage().contains("dedup.threshold"), typo.getMessage());
    assertThrows(ConfigError.class, () -> DedupSettings.from(JobConfig.load("dedup", List.of("dedup"), List.of(),
        List.of("dedup.input=[in]"))), "output is required");
    assertThrows(ConfigError.class, () -> DedupSettings.from(JobConfig.load("dedup", List.of("dedup"), List.of(),
        List.of("dedup.output=out"))), "input is required");
  }
}
