package io.llmforge.dedup;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;

import io.llmforge.pipeline.spark.Lineage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Connected components of an undirected graph in Spark, with the alternating large-star / small-star
 * algorithm (Kiveris et al., "Connected Components in MapReduce and Beyond", SoCC 2014): O(log^2 n) rounds
 * of joins and aggregations, each moving only edges; nothing is collected to the driver.
 *
 * <ul>
 *   <li>large-star: every node links its larger neighbours to the smallest node of its neighbourhood;</li>
 *   <li>small-star: every node links itself and its smaller neighbours to the smallest of them.</li>
 * </ul>
 * Both keep the components; together they shrink every component into a star around its smallest node. The
 * loop stops when the edges form such a forest: each node has one outgoing edge and no edge ends at a node
 * that has one. Each round's edges are checkpointed, so the plan does not grow with the rounds.
 *
 * <p>Node ids are longs; a component is named by its smallest node id.
 */
public final class ConnectedComponents {
  public static final String SRC = "src";
  public static final String DST = "dst";
  public static final String NODE = "node";
  public static final String COMPONENT = "component";

  private ConnectedComponents() {}

  /** @param components {@code node}, {@code component} for every node that has an edge */
  public record Result(Dataset<Row> components, int iterations) {}

  /**
   * Components of the graph given by {@code edges} (two long columns {@code a}, {@code b}; direction, duplicates
   * and self-loops do not matter). Nodes without edges are not in the result: see {@link #withIsolated}.
   *
   * @param checkpointDir "" for local checkpoints, else a reliable checkpoint folder
   */
  public static Result run(Dataset<Row> edges, String a, String b, int maxIterations, String checkpointDir) {
    Dataset<Row> e = edges.select(greatest(col(a), col(b)).as(SRC), least(col(a), col(b)).as(DST))
        .filter(col(SRC).notEqual(col(DST))).distinct();
    e = checkpoint(e, checkpointDir);
    int iterations = 0;
    while (!isStarForest(e)) {
      if (iterations == maxIterations) {
        throw new IllegalStateException("connected components did not converge in " + maxIterations
            + " rounds; raise dedup.connected-components.max-iterations");
      }
      e = checkpoint(smallStar(largeStar(e)), checkpointDir);
      iterations++;
    }
    Dataset<Row> leaves = e.select(col(SRC).as(NODE), col(DST).as(COMPONENT));
    Dataset<Row> roots = e.select(col(DST).as(NODE), col(DST).as(COMPONENT)).distinct();
    return new Result(leaves.union(roots), iterations);
  }

  /** Every node of {@code nodes} (column {@code node}) with its component; a node without edges is its own. */
  public static Dataset<Row> withIsolated(Dataset<Row> nodes, Dataset<Row> components) {
    return nodes.select(col(NODE)).join(components, nodes.col(NODE).equalTo(components.col(NODE)), "left")
        .select(nodes.col(NODE), coalesce(components.col(COMPONENT), nodes.col(NODE)).as(COMPONENT));
  }

  /** Edges (v, m(u)) for every neighbour v > u of u, m(u) the smallest of u and its neighbours. */
  static Dataset<Row> largeStar(Dataset<Row> e) {
    Dataset<Row> both = e.select(col(SRC), col(DST)).union(e.select(col(DST).as(SRC), col(SRC).as(DST)));
    Dataset<Row> mins = both.groupBy(col(SRC)).agg(min(col(DST)).as("m"));
    return both.filter(col(DST).gt(col(SRC))).join(mins, SRC)
        .select(col(DST).as(SRC), least(col(SRC), col("m")).as(DST)).distinct();
  }

  /** Edges (v, m) for u and every neighbour v < u, m the smallest of them; output oriented larger -> smaller. */
  static Dataset<Row> smallStar(Dataset<Row> e) {
    Dataset<Row> down = e.select(greatest(col(SRC), col(DST)).as(SRC), least(col(SRC), col(DST)).as(DST)).distinct();
    Dataset<Row> mins = down.groupBy(col(SRC)).agg(min(col(DST)).as("m"));
    Dataset<Row> neighbours = down.join(mins, SRC).filter(col(DST).notEqual(col("m")))
        .select(col(DST).as(SRC), col("m").as(DST));
    Dataset<Row> self = mins.select(col(SRC), col("m").as(DST));
    return neighbours.union(self).distinct();
  }

  /**
   * True when every node has at most one outgoing edge and no edge ends at a node with an outgoing edge; one
   * aggregation over the (distinct) edges.
   */
  static boolean isStarForest(Dataset<Row> e) {
    Dataset<Row> ends = e.select(col(SRC).as(NODE), lit(1).as("out"), lit(0).as("in"))
        .union(e.select(col(DST).as(NODE), lit(0).as("out"), lit(1).as("in")));
    return ends.groupBy(col(NODE)).agg(sum(col("out")).as("out"), max(col("in")).as("in"))
        .filter(col("out").gt(1).or(col("out").equalTo(1).and(col("in").equalTo(1))))
        .limit(1).isEmpty();
  }

  /** Materialises a round's edges and cuts their lineage: on the executors, or reliably in the checkpoint folder. */
  private static Dataset<Row> checkpoint(Dataset<Row> e, String checkpointDir) {
    // A reliable checkpoint's files are deleted when the data is garbage-collected only with
    // spark.cleaner.referenceTracking.cleanCheckpoints=true.
    return Lineage.cut(e, checkpointDir);
  }
}
