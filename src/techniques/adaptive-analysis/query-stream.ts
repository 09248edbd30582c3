/**
 * An adaptive analyst against a query-answering mechanism (the attack behind the paper's lower bound for
 * empirical answers). The data are n points uniform on {-1, 1}^D; every query has true expectation
 * exactly 1/2. The analyst alternates:
 * - coordinate queries q_j(x) = (1 + x_j)/2, one new coordinate each time, and records s_j = sign(a_j - 1/2);
 * - aggregate queries Q_t(x) = (1 + sign(sum_{j <= t} s_j x_j))/2 over the coordinates seen so far (E = 1/2
 *   for any fixed signs, since sum s_j x_j is symmetric).
 * Empirical answers let the signs fit the sample: each s_j x_ij has sample mean about sqrt(2/(pi n)), so
 * the aggregate's empirical mean drifts to Phi(sqrt(2t/(pi n))), an error of order 1 once t ~ n.
 */
import type { Rng } from '../../random/rng.js';

/** Errors of the mechanism's answers at each checkpoint of `adaptiveQueryStream` (true answers are all 1/2). */
export interface StreamResult {
  /** the number of queries answered at each checkpoint */
  queries: number[];
  /** max |answer - 1/2| over all queries up to the checkpoint */
  maxError: number[];
  /** |answer - 1/2| of the aggregate query at the checkpoint */
  aggregateError: number[];
}

/** `answer(values)` answers the query whose per-sample values are given. */
export function adaptiveQueryStream(n: number, coordinates: number, checkpoints: number[], answer: (values: Float64Array) => number, rng: Rng): StreamResult {
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`adaptiveQueryStream: n must be a positive integer, got ${n}`);
  if (!(Number.isInteger(coordinates) && coordinates > 0)) throw new Error(`adaptiveQueryStream: coordinates must be a positive integer, got ${coordinates}`);
  if (checkpoints.some((c) => !(Number.isInteger(c) && c >= 1 && c <= coordinates))) throw new Error('adaptiveQueryStream: checkpoints are coordinate counts in [1, coordinates]');
  const sums = new Float64Array(n); // sum_j s_j x_ij per sample
  const values = new Float64Array(n);
  const out: StreamResult = { queries: [], maxError: [], aggregateError: [] };
  let maxError = 0;
  for (let t = 1; t <= coordinates; t++) {
    // a fresh coordinate: the data are drawn as the queries reach them (the same as drawing them up front)
    const x = new Int8Array(n);
    for (let i = 0; i < n; i++) { x[i] = rng.uniform() < 0.5 ? -1 : 1; values[i] = (1 + x[i]) / 2; }
    const a = answer(values);
    maxError = Math.max(maxError, Math.abs(a - 0.5));
    const s = a > 0.5 ? 1 : a < 0.5 ? -1 : 0;
    for (let i = 0; i < n; i++) { sums[i] += s * x[i]; values[i] = (1 + Math.sign(sums[i])) / 2; }
    const agg = Math.abs(answer(values) - 0.5);
    maxError = Math.max(maxError, agg);
    if (checkpoints.includes(t)) { out.queries.push(2 * t); out.maxError.push(maxError); out.aggregateError.push(agg); }
  }
  return out;
}
