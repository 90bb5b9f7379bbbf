package io.llmforge.dedup;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Connected components of a small graph on the driver: the edges are collected and merged with union-find,
 * in well under a second for millions of edges, where {@link ConnectedComponents}' distributed rounds cost
 * seconds each whatever the size (joins, aggregations, a checkpoint per round). Same result, same contract:
 * {@code node}, {@code component} for every node that has an edge, a component named by its smallest node.
 * The driver holds 16 bytes per edge and 12 per node; callers choose this only below a configured edge count.
 */
public final class DriverComponents {
  private static final StructType SCHEMA = new StructType()
      .add(ConnectedComponents.NODE, DataTypes.LongType, false)
      .add(ConnectedComponents.COMPONENT, DataTypes.LongType, false);

  private DriverComponents() {}

  /**
   * Components of {@code edges} (long columns {@code a}, {@code b}; direction, duplicates, self-loops ignored).
   *
   * @param count the number of edges (the arrays are sized from it; the rows are streamed, never all held)
   */
  public static ConnectedComponents.Result run(Dataset<Row> edges, String a, String b, long count) {
    if (count > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(count + " edges are too many for the driver");
    }
    long[] from = new long[(int) count];
    long[] to = new long[from.length];
    int n = 0;
    Iterator<Row> rows = edges.select(col(a), col(b)).toLocalIterator();
    while (rows.hasNext()) {
      Row row = rows.next();
      if (n == from.length) {
        throw new IllegalStateException("more than the " + count + " edges counted");
      }
      from[n] = row.getLong(0);
      to[n++] = row.getLong(1);
    }
    if (n != from.length) {
      throw new IllegalStateException("read " + n + " edges, " + count + " were counted");
    }
    long[][] components = components(from, to);
    List<Row> out = new ArrayList<>(components[0].length);
    for (int i = 0; i < components[0].length; i++) {
      out.add(RowFactory.create(components[0][i], components[1][i]));
    }
    return new ConnectedComponents.Result(edges.sparkSession().createDataFrame(out, SCHEMA), 0);
  }

  /**
   * {nodes, their components}: every node of an edge that is not a self-loop, ascending, with the smallest node
   * of its component. Plain arrays, for {@link #run} and tests.
   */
  static long[][] components(long[] from, long[] to) {
    long[] ends = new long[2 * from.length];
    int n = 0;
    for (int i = 0; i < from.length; i++) {
      if (from[i] != to[i]) {
        ends[n++] = from[i];
        ends[n++] = to[i];
      }
    }
    Arrays.sort(ends, 0, n);
    int distinct = 0;
    for (int i = 0; i < n; i++) {
      if (distinct == 0 || ends[i] != ends[distinct - 1]) {
        ends[distinct++] = ends[i];
      }
    }
    long[] nodes = Arrays.copyOf(ends, distinct);
    // Dense indices follow node order, so the smallest index of a set is its smallest node: the root.
    int[] parent = new int[distinct];
    for (int i = 0; i < distinct; i++) {
      parent[i] = i;
    }
    for (int i = 0; i < from.length; i++) {
      if (from[i] != to[i]) {
        int x = root(parent, Arrays.binarySearch(nodes, from[i]));
        int y = root(parent, Arrays.binarySearch(nodes, to[i]));
        if (x != y) {
          parent[Math.max(x, y)] = Math.min(x, y);
        }
      }
    }
    long[] component = new long[distinct];
    for (int i = 0; i < distinct; i++) {
      component[i] = nodes[root(parent, i)];
    }
    return new long[][] {nodes, component};
  }

  /** The root of {@code i}, halving the path on the way (each visited node skips to its grandparent). */
  private static int root(int[] parent, int i) {
    while (parent[i] != i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }
}
