/**
 * Immiscible diffusion's noise assignment (Li et al. 2024): before noising a batch of data x_1..x_B,
 * draw B noise vectors as usual and give each data point one of them by the linear assignment that
 * minimises the total data-noise distance sum_i ||x_i - z_pi(i)|| (their reference code's cost, the
 * Euclidean norm; 'squared' gives the quadratic-cost coupling). The batch's noise is only permuted, so for
 * exchangeable data the noise any fixed slot receives is still exactly N(0, I); given its data point it is
 * not (it lies nearer x_i).
 */
import { linearAssignment } from './hungarian.js';

/** Pairing cost between a data row and a noise row: Euclidean distance or squared distance. */
export type AssignmentCost = 'distance' | 'squared';

/** The B x B cost matrix between data rows and noise rows (B x d each, row-major). */
export function pairCosts(x: ArrayLike<number>, z: ArrayLike<number>, d: number, cost: AssignmentCost = 'distance'): Float64Array {
  if (!(Number.isInteger(d) && d >= 1)) throw new Error(`pairCosts: d must be an integer >= 1, got ${d}`);
  if (x.length !== z.length || x.length % d !== 0) throw new Error(`pairCosts: x and z must both be B x d, got ${x.length} and ${z.length} values with d=${d}`);
  if (cost !== 'distance' && cost !== 'squared') throw new Error(`pairCosts: cost must be 'distance' or 'squared', got ${String(cost)}`);
  const b = x.length / d;
  const c = new Float64Array(b * b);
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < b; j++) {
      let s = 0;
      for (let q = 0; q < d; q++) s += (x[i * d + q] - z[j * d + q]) ** 2;
      c[i * b + j] = cost === 'distance' ? Math.sqrt(s) : s;
    }
  }
  return c;
}

/** The noise rows reordered by the assignment: row i is the noise given to data row i. */
export function assignNoise(x: ArrayLike<number>, z: ArrayLike<number>, d: number, cost: AssignmentCost = 'distance'): Float64Array {
  const b = x.length / d;
  const col = linearAssignment(pairCosts(x, z, d, cost), b);
  const out = new Float64Array(z.length);
  for (let i = 0; i < b; i++) for (let q = 0; q < d; q++) out[i * d + q] = z[col[i] * d + q];
  return out;
}
