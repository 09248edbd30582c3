/**
 * The linear assignment problem: given an n x m cost matrix (n <= m), the injective map of rows to
 * columns with the least total cost. Solved by the Hungarian method in its shortest-augmenting-path form
 * (Kuhn-Munkres with row and column potentials, as in Jonker & Volgenant 1987): each row is added by one
 * Dijkstra-like search over reduced costs, O(n^2 m) in all. Exact for any finite costs.
 */

/**
 * The optimal assignment of an n x m cost matrix (row-major, n <= m): `col[i]` is the column of row i.
 * Ties are broken by the search order, so the result is deterministic.
 */
export function linearAssignment(cost: ArrayLike<number>, n: number, m = n): Int32Array {
  if (!(Number.isInteger(n) && Number.isInteger(m) && n >= 0 && m >= n)) throw new Error(`linearAssignment: need integers 0 <= n <= m, got n=${n}, m=${m}`);
  if (cost.length !== n * m) throw new Error(`linearAssignment: cost has ${cost.length} values, expected n x m = ${n * m}`);
  for (let k = 0; k < cost.length; k++) if (!Number.isFinite(cost[k])) throw new Error(`linearAssignment: cost[${k}] = ${cost[k]} is not finite`);
  // 1-based arrays; column 0 is the virtual start of each augmenting path
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const rowOf = new Int32Array(m + 1); // rowOf[j]: the row matched to column j (0: none)
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    rowOf[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = rowOf[j0];
      let delta = Infinity;
      let j1 = 0;
      const base = (i0 - 1) * m;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const reduced = cost[base + j - 1] - u[i0] - v[j];
        if (reduced < minv[j]) [minv[j], way[j]] = [reduced, j0];
        if (minv[j] < delta) [delta, j1] = [minv[j], j];
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[rowOf[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (rowOf[j0] !== 0);
    // flip the alternating path back to the start
    do {
      const j1 = way[j0];
      rowOf[j0] = rowOf[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const col = new Int32Array(n);
  for (let j = 1; j <= m; j++) if (rowOf[j] > 0) col[rowOf[j] - 1] = j - 1;
  return col;
}

/** The total cost of an assignment (`col[i]` the column of row i) of an n x m cost matrix. */
export function assignmentCost(cost: ArrayLike<number>, col: ArrayLike<number>, m: number): number {
  let total = 0;
  for (let i = 0; i < col.length; i++) total += cost[i * m + col[i]];
  return total;
}
