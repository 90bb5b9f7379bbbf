package io.llmforge.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class ConnectedComponentsTest {
  private final SparkSession spark = TestSpark.session();

  @Test
  void chainCollapsesToItsSmallestNode() {
    List<long[]> edges = new ArrayList<>();
    for (long i = 1; i < 300; i++) {
      edges.add(new long[] {i + 1000, i + 999}); // 1000-1001-...-1299, given larger-first
    }
    Map<Long, Long> components = components(edges);
    assertEquals(300, components.size());
    components.values().forEach(c -> assertEquals(1000L, c));
  }

  @Test
  void starsTwoComponentsDuplicatesAndSelfLoops() {
    List<long[]> edges = new ArrayList<>(List.of(
        new long[] {5, 1}, new long[] {5, 2}, new long[] {5, 3}, new long[] {5, 4}, // star around 5, min 1
        new long[] {2, 5}, new long[] {7, 7},                                       // duplicate, self-loop
        new long[] {20, 30}, new long[] {30, 40}, new long[] {40, 20}));            // a triangle
    Map<Long, Long> components = components(edges);
    for (long n : new long[] {1, 2, 3, 4, 5}) {
      assertEquals(1L, components.get(n));
    }
    for (long n : new long[] {20, 30, 40}) {
      assertEquals(20L, components.get(n));
    }
    assertTrue(!components.containsKey(7L), "a self-loop is no edge");
  }

  @Test
  void isolatedNodesAreTheirOwnComponent() {
    ConnectedComponents.Result result = ConnectedComponents.run(edges(List.of(new long[] {2, 3})), "a", "b", 20, "");
    Dataset<Row> nodes = spark.createDataFrame(List.of(RowFactory.create(1L), RowFactory.create(2L),
        RowFactory.create(3L), RowFactory.create(4L)), new StructType().add("node", DataTypes.LongType));
    Map<Long, Long> all = new HashMap<>();
    ConnectedComponents.withIsolated(nodes, result.components()).collectAsList()
        .forEach(r -> all.put(r.getLong(0), r.getLong(1)));
    assertEquals(Map.of(1L, 1L, 2L, 2L, 3L, 2L, 4L, 4L), all);
  }

  @Test
  void emptyGraph() {
    ConnectedComponents.Result result = ConnectedComponents.run(edges(List.of()), "a", "b", 20, "");
    assertEquals(0, result.components().count());
    assertEquals(0, result.iterations());
  }

  @Test
  void randomGraphMatchesUnionFind() {
    SplittableRandom random = new SplittableRandom(21);
    List<long[]> edges = new ArrayList<>();
    for (int k = 0; k < 600; k++) {
      edges.add(new long[] {random.nextLong(800), random.nextLong(800)});
    }
    Map<Long, Long> expected = unionFind(edges);
    ConnectedComponents.Result result = ConnectedComponents.run(edges(edges), "a", "b", 50, "");
    Map<Long, Long> actual = collect(result.components());
    assertEquals(expected, actual);
    assertTrue(result.iterations() < 20, result.iterations() + " rounds");
  }

  /**
   * The driver's union-find against the plain reference the distributed rounds are also checked against
   * ({@link #randomGraphMatchesUnionFind}), on random graphs of several densities with self-loops.
   */
  @Test
  void driverComponentsEqualUnionFind() {
    SplittableRandom random = new SplittableRandom(5);
    for (int edgesCount : new int[] {0, 1, 50, 400, 1500}) {
      List<long[]> edges = new ArrayList<>();
      for (int k = 0; k < edgesCount; k++) {
        long x = random.nextLong(1_000) * 1_000_003L; // sparse, large ids, as node ids are
        edges.add(new long[] {x, random.nextInt(4) == 0 ? x : random.nextLong(1_000) * 1_000_003L});
      }
      Map<Long, Long> driver = collect(DriverComponents.run(edges(edges), "a", "b", edges.size()).components());
      assertEquals(unionFind(edges), driver, edgesCount + " edges");
    }
  }

  @Test
  void reliableCheckpointsGiveTheSameResult(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    List<long[]> edges = List.of(new long[] {9, 8}, new long[] {8, 7}, new long[] {7, 6}, new long[] {1, 6});
    ConnectedComponents.Result result = ConnectedComponents.run(edges(edges), "a", "b", 20, dir.toUri().toString());
    collect(result.components()).values().forEach(c -> assertEquals(1L, c));
  }

  private Map<Long, Long> components(List<long[]> edges) {
    return collect(ConnectedComponents.run(edges(edges), "a", "b", 50, "").components());
  }

  private static Map<Long, Long> collect(Dataset<Row> components) {
    Map<Long, Long> map = new HashMap<>();
    for (Row r : components.collectAsList()) {
      Long previous = map.put(r.getLong(0), r.getLong(1));
      assertTrue(previous == null, "node " + r.getLong(0) + " has two components");
    }
    return map;
  }

  private Dataset<Row> edges(List<long[]> edges) {
    List<Row> rows = edges.stream().map(e -> RowFactory.create(e[0], e[1])).toList();
    return spark.createDataFrame(rows, new StructType().add("a", DataTypes.LongType).add("b", DataTypes.LongType))
        .repartition(3);
  }

  private static Map<Long, Long> unionFind(List<long[]> edges) {
    Map<Long, Long> parent = new HashMap<>();
    for (long[] e : edges) {
      if (e[0] != e[1]) {
        union(parent, e[0], e[1]);
      }
    }
    Map<Long, Long> component = new HashMap<>();
    for (Long n : parent.keySet()) {
      component.put(n, find(parent, n));
    }
    return component;
  }

  private static long find(Map<Long, Long> parent, long n) {
    parent.putIfAbsent(n, n);
    long p = parent.get(n);
    if (p == n) {
      return n;
    }
    long root = find(parent, p);
    parent.put(n, root);
    return root;
  }

  private static void union(Map<Long, Long> parent, long a, long b) {
    long ra = find(parent, a);
    long rb = find(parent, b);
    if (ra != rb) {
      parent.put(Math.max(ra, rb), Math.min(ra, rb)); // the root is always the smallest node
    }
  }
}
