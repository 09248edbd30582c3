/**
 * The exact minority classifier, by quadrature. Minority guidance (Um, Lee & Ye 2024) trains a classifier
 * p(l | x_t) on noised samples labelled with their minority-score level l and samples with
 * s(x_t) + w grad log p(l | x_t). With the data density known, the classifier the training aims at is
 *   p(l | x_t) = int 1[level(x0) = l] p(x0) N(x_t; a x0, s^2 I) dx0 / p_t(x_t),
 * and its gradient is exact by Bayes: grad log p(l | x_t) = (a / s^2) (E[x0 | x_t, l] - E[x0 | x_t]).
 * Both posterior means are integrals against p(x0) N(x_t; a x0, s^2 I), computed here on a tensor grid
 * of x0 (1-D or 2-D) whose cells carry p(x0) dx0 and a level label; the Gaussian kernel factorises over
 * coordinates, so a point costs one exponential per grid line and a pass over the cells.
 */

/** A tensor grid over the data: its axes, and per cell (row-major, last axis fastest) the mass p(x0) dx0. */
export interface DensityGrid {
  d: number;
  axes: Float64Array[];
  /** cell centres, cells x d */
  cells: Float64Array;
  /** p(x0) dx0 per cell, normalised to sum 1 */
  weight: Float64Array;
}

/**
 * A grid of `points` per axis between lo and hi (inclusive), weighted by exp(logDensity) (the density
 * need not be normalised: the weights are).
 */
export function densityGrid(lo: number[], hi: number[], points: number[] | number, logDensity: (x: Float64Array) => Float64Array): DensityGrid {
  const d = lo.length;
  if (!(d === 1 || d === 2) || hi.length !== d) throw new Error(`densityGrid: lo and hi must both have length 1 or 2, got ${lo.length} and ${hi.length}`);
  const counts = typeof points === 'number' ? new Array<number>(d).fill(points) : points;
  if (counts.length !== d || counts.some((g) => !(Number.isInteger(g) && g >= 2))) throw new Error(`densityGrid: points must be integers >= 2, one per axis, got ${String(points)}`);
  for (let j = 0; j < d; j++) if (!(hi[j] > lo[j])) throw new Error(`densityGrid: need hi > lo on axis ${j}, got ${lo[j]} and ${hi[j]}`);
  const axes = counts.map((g, j) => Float64Array.from({ length: g }, (_, i) => lo[j] + ((hi[j] - lo[j]) * i) / (g - 1)));
  const n = counts.reduce((a, b) => a * b, 1);
  const cells = new Float64Array(n * d);
  for (let c = 0; c < n; c++) {
    if (d === 1) cells[c] = axes[0][c];
    else { cells[2 * c] = axes[0][Math.floor(c / counts[1])]; cells[2 * c + 1] = axes[1][c % counts[1]]; }
  }
  const logp = logDensity(cells);
  if (logp.length !== n) throw new Error(`densityGrid: logDensity returned ${logp.length} values for ${n} cells`);
  const max = logp.reduce((m, v) => Math.max(m, v), -Infinity);
  if (!Number.isFinite(max)) throw new Error('densityGrid: the log-density has no finite value on the grid');
  const weight = Float64Array.from(logp, (v) => Math.exp(v - max));
  const total = weight.reduce((a, b) => a + b, 0);
  for (let c = 0; c < n; c++) weight[c] /= total;
  return { d, axes, cells, weight };
}

/** What {@link levelPosterior} returns, per point. */
export interface LevelPosterior {
  /** p(target | x_t) */
  prob: Float64Array;
  /** E[x0 | x_t, target], n x d */
  meanTarget: Float64Array;
  /** E[x0 | x_t], n x d */
  meanAll: Float64Array;
}

/**
 * p(target | x_t), E[x0 | x_t, target] and E[x0 | x_t] on the grid, for points x (n x d) of
 * x_t = a x0 + s eps; `target` marks the grid's cells (1: in the target level set).
 */
export function levelPosterior(grid: DensityGrid, target: Uint8Array, x: Float64Array, a: number, s: number): LevelPosterior {
  const { d, axes, weight } = grid;
  if (target.length !== weight.length) throw new Error(`levelPosterior: target must mark every cell (${weight.length}), got ${target.length}`);
  if (x.length % d !== 0) throw new Error(`levelPosterior: x has ${x.length} values, not a multiple of the grid's dimension ${d}`);
  if (!(a > 0 && s > 0 && Number.isFinite(a) && Number.isFinite(s))) throw new Error(`levelPosterior: need a > 0 and s > 0, got a=${a}, s=${s}`);
  const n = x.length / d;
  const out: LevelPosterior = { prob: new Float64Array(n), meanTarget: new Float64Array(n * d), meanAll: new Float64Array(n * d) };
  const [g1, g2] = [axes[0], d === 2 ? axes[1] : Float64Array.of(0)];
  const [G1, G2] = [g1.length, g2.length];
  const [e1, e2, e2g] = [new Float64Array(G1), new Float64Array(G2), new Float64Array(G2)];
  const inv = 1 / (2 * s * s);
  const cache = cellsOf(grid, target);
  // the kernel along one axis, shifted so that its largest value is 1; returns the shift (it cancels in every ratio)
  const kernel = (axis: Float64Array, xj: number, e: Float64Array) => {
    let min = Infinity;
    for (let i = 0; i < axis.length; i++) { const q = (xj - a * axis[i]) ** 2 * inv; e[i] = q; if (q < min) min = q; }
    for (let i = 0; i < axis.length; i++) e[i] = Math.exp(min - e[i]);
    return min;
  };
  for (let p = 0; p < n; p++) {
    let shift = kernel(g1, x[p * d], e1);
    if (d === 2) shift += kernel(g2, x[p * d + 1], e2); else e2[0] = 1;
    for (let j = 0; j < G2; j++) e2g[j] = e2[j] * g2[j];
    // sums of kernel x weight (0), times x0's first (1) and second (2) coordinate, over all cells (a) and target cells (t)
    let [a0, a1, a2, t0, t1, t2] = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < G1; i++) {
      if (e1[i] === 0) continue;
      let [ra0, ra2, rt0, rt2] = [0, 0, 0, 0];
      const row = i * G2;
      for (let j = 0; j < G2; j++) {
        const w = weight[row + j];
        const k0 = w * e2[j];
        const k2 = w * e2g[j];
        ra0 += k0;
        ra2 += k2;
        if (target[row + j]) { rt0 += k0; rt2 += k2; }
      }
      a0 += e1[i] * ra0; a1 += e1[i] * g1[i] * ra0; a2 += e1[i] * ra2;
      t0 += e1[i] * rt0; t1 += e1[i] * g1[i] * rt0; t2 += e1[i] * rt2;
    }
    // far from a set's mass at small s its products can underflow (or lose digits as subnormals): that set is
    // then summed again in the log domain
    let logA = Math.log(a0) - shift;
    if (a0 > TINY) { out.meanAll[p * d] = a1 / a0; if (d === 2) out.meanAll[p * d + 1] = a2 / a0; }
    else logA = logDomainMean(grid, cache.all, cache.logW, x, p, a, inv, out.meanAll);
    if (t0 > TINY) {
      out.prob[p] = Math.exp(Math.log(t0) - shift - logA);
      out.meanTarget[p * d] = t1 / t0;
      if (d === 2) out.meanTarget[p * d + 1] = t2 / t0;
    } else if (cache.target.length) out.prob[p] = Math.exp(logDomainMean(grid, cache.target, cache.logW, x, p, a, inv, out.meanTarget) - logA);
    else for (let j = 0; j < d; j++) out.meanTarget[p * d + j] = NaN;
  }
  return out;
}

const TINY = 1e-250;

interface CellCache {
  logW: Float64Array;
  /** indices of the cells with weight > 0, and of those in the target set */
  all: Int32Array;
  target: Int32Array;
}
const caches = new WeakMap<Uint8Array, WeakMap<DensityGrid, CellCache>>();
function cellsOf(grid: DensityGrid, target: Uint8Array): CellCache {
  let byGrid = caches.get(target);
  if (!byGrid) caches.set(target, (byGrid = new WeakMap()));
  let c = byGrid.get(grid);
  if (!c) {
    const idx = Array.from(grid.weight.keys()).filter((k) => grid.weight[k] > 0);
    c = { logW: Float64Array.from(grid.weight, Math.log), all: Int32Array.from(idx), target: Int32Array.from(idx.filter((k) => target[k] === 1)) };
    byGrid.set(grid, c);
  }
  return c;
}

/**
 * log sum_c w_c exp(-|x_p - a x0_c|^2 / (2 s^2)) over the cells `set`, with the largest term factored out,
 * and the set's posterior mean of x0 written to mean[p*d ..].
 */
function logDomainMean(grid: DensityGrid, set: Int32Array, logW: Float64Array, x: Float64Array, p: number, a: number, inv: number, mean: Float64Array): number {
  const { d, cells } = grid;
  const l = new Float64Array(set.length);
  let max = -Infinity;
  for (let k = 0; k < set.length; k++) {
    const c = set[k];
    let q = 0;
    for (let j = 0; j < d; j++) q += (x[p * d + j] - a * cells[c * d + j]) ** 2;
    l[k] = logW[c] - q * inv;
    if (l[k] > max) max = l[k];
  }
  let z = 0;
  const m = new Float64Array(d);
  for (let k = 0; k < set.length; k++) {
    const e = Math.exp(l[k] - max);
    z += e;
    for (let j = 0; j < d; j++) m[j] += e * cells[set[k] * d + j];
  }
  for (let j = 0; j < d; j++) mean[p * d + j] = m[j] / z;
  return max + Math.log(z);
}

/**
 * The exact minority-guidance direction grad_{x_t} log p(target | x_t) = (a / s^2)(E[x0 | x_t, target] - E[x0 | x_t]),
 * n x d, from the grid.
 */
export function levelGuidance(grid: DensityGrid, target: Uint8Array, x: Float64Array, a: number, s: number): Float64Array {
  const { meanTarget, meanAll } = levelPosterior(grid, target, x, a, s);
  const k = a / (s * s);
  return Float64Array.from(meanAll, (m, j) => k * (meanTarget[j] - m));
}
