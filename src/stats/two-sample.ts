/**
 * Two-sample comparisons of point clouds (n x d, row-major): the unbiased squared maximum mean
 * discrepancy with a Gaussian kernel and its permutation test (Gretton et al. 2012, "A Kernel Two-Sample
 * Test"; bandwidth by the median heuristic), and the sliced 2-Wasserstein distance (Rabin et al. 2011;
 * Bonneel et al. 2015), which in 1-D is exact: W2^2 = int_0^1 (F^-1(u) - G^-1(u))^2 du.
 */
import type { Rng } from '../random/rng.js';

function count(a: ArrayLike<number>, d: number, name: string, who: string, min: number): number {
  if (!(Number.isInteger(d) && d >= 1)) throw new Error(`${who}: d must be an integer >= 1, got ${d}`);
  if (a.length % d !== 0) throw new Error(`${who}: ${name} has ${a.length} values, not a multiple of d=${d}`);
  const n = a.length / d;
  if (n < min) throw new Error(`${who}: ${name} needs at least ${min} points, got ${n}`);
  return n;
}

function sqDist(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, d: number): number {
  let s = 0;
  for (let q = 0; q < d; q++) s += (a[i * d + q] - b[j * d + q]) ** 2;
  return s;
}

/**
 * The median pairwise Euclidean distance of x and y pooled, on at most `maxPoints` of them taken at an
 * even stride through the pooled order (x then y), so it is deterministic and O(maxPoints^2).
 */
export function medianBandwidth(x: ArrayLike<number>, y: ArrayLike<number>, d: number, maxPoints = 1000): number {
  const n = count(x, d, 'x', 'medianBandwidth', 0);
  const N = n + count(y, d, 'y', 'medianBandwidth', 0);
  const take = Math.min(N, maxPoints);
  if (take < 2) throw new Error(`medianBandwidth: need at least 2 pooled points, got ${N}`);
  const at = (p: number): [ArrayLike<number>, number] => (p < n ? [x, p] : [y, p - n]);
  const idx = Array.from({ length: take }, (_, i) => Math.floor((i * N) / take));
  const dists = new Float64Array((take * (take - 1)) / 2);
  let k = 0;
  for (let i = 0; i < take; i++) {
    const [a, ia] = at(idx[i]);
    for (let j = i + 1; j < take; j++) {
      const [b, ib] = at(idx[j]);
      dists[k++] = Math.sqrt(sqDist(a, ia, b, ib, d));
    }
  }
  dists.sort();
  const mid = dists.length >> 1;
  const med = dists.length % 2 ? dists[mid] : (dists[mid - 1] + dists[mid]) / 2;
  if (!(med > 0)) throw new Error('medianBandwidth: the median pairwise distance is 0 (more than half the pairs coincide); pass a bandwidth');
  return med;
}

/** Options of {@link mmd2}. */
export interface MmdOptions {
  /** the Gaussian kernel's bandwidth h in exp(-|x - y|^2 / (2 h^2)); default {@link medianBandwidth} */
  bandwidth?: number;
}

function bandwidthOf(x: ArrayLike<number>, y: ArrayLike<number>, d: number, h: number | undefined, who: string): number {
  if (h === undefined) return medianBandwidth(x, y, d);
  if (!(h > 0 && Number.isFinite(h))) throw new Error(`${who}: bandwidth must be a finite number > 0, got ${h}`);
  return h;
}

/**
 * Unbiased MMD^2 (the U-statistic: kernel diagonals left out, so it can dip below 0) between x (n x d) and
 * y (m x d), n, m >= 2, Gaussian kernel.
 */
export function mmd2(x: ArrayLike<number>, y: ArrayLike<number>, d: number, opts: MmdOptions = {}): number {
  const n = count(x, d, 'x', 'mmd2', 2);
  const m = count(y, d, 'y', 'mmd2', 2);
  const h = bandwidthOf(x, y, d, opts.bandwidth, 'mmd2');
  const c = -1 / (2 * h * h);
  let [xx, yy, xy] = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) xx += Math.exp(c * sqDist(x, i, x, j, d));
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) yy += Math.exp(c * sqDist(y, i, y, j, d));
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) xy += Math.exp(c * sqDist(x, i, y, j, d));
  return (2 * xx) / (n * (n - 1)) + (2 * yy) / (m * (m - 1)) - (2 * xy) / (n * m);
}

/** Options of {@link mmdPermutationTest}. */
export interface MmdTestOptions extends MmdOptions {
  /** relabellings of the pooled sample (default 200) */
  permutations?: number;
  rng: Rng;
}

/** The observed statistic, its permutation p-value and the null's 95% quantile. */
export interface MmdTest {
  mmd2: number;
  /** (1 + #{null >= observed}) / (1 + permutations): valid at any number of permutations */
  pValue: number;
  nullQuantile95: number;
}

/** Largest pooled sample the permutation test holds a kernel matrix for (8 bytes x N^2: 200 MB). */
const MAX_POOLED = 5000;

/**
 * Permutation test of H0: x and y come from one distribution, with MMD^2 as the statistic. The bandwidth
 * is fixed once from the observed pooled sample (a function of the pooled set, so relabelling leaves it
 * unchanged when n + m <= 1000) and the pooled kernel matrix is computed once.
 */
export function mmdPermutationTest(x: ArrayLike<number>, y: ArrayLike<number>, d: number, opts: MmdTestOptions): MmdTest {
  const n = count(x, d, 'x', 'mmdPermutationTest', 2);
  const m = count(y, d, 'y', 'mmdPermutationTest', 2);
  const B = opts.permutations ?? 200;
  if (!(Number.isInteger(B) && B >= 1)) throw new Error(`mmdPermutationTest: permutations must be an integer >= 1, got ${B}`);
  const N = n + m;
  if (N > MAX_POOLED) throw new Error(`mmdPermutationTest: n + m = ${N} exceeds ${MAX_POOLED} (the kernel matrix is N^2); subsample`);
  const h = bandwidthOf(x, y, d, opts.bandwidth, 'mmdPermutationTest');
  const c = -1 / (2 * h * h);
  const pooled = new Float64Array(N * d);
  pooled.set(Array.from(x), 0);
  pooled.set(Array.from(y), n * d);
  // upper triangle only, row-major
  const K = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) K[i * N + j] = Math.exp(c * sqDist(pooled, i, pooled, j, d));
  const label = new Uint8Array(N);
  const stat = () => {
    let [xx, yy, xy] = [0, 0, 0];
    for (let i = 0; i < N; i++) {
      const li = label[i];
      const row = i * N;
      for (let j = i + 1; j < N; j++) {
        const k = K[row + j];
        if (li !== label[j]) xy += k;
        else if (li === 0) xx += k;
        else yy += k;
      }
    }
    return (2 * xx) / (n * (n - 1)) + (2 * yy) / (m * (m - 1)) - (2 * xy) / (n * m);
  };
  for (let i = n; i < N; i++) label[i] = 1;
  const observed = stat();
  const nulls = new Float64Array(B);
  let atLeast = 0;
  for (let b = 0; b < B; b++) {
    const perm = opts.rng.permutation(N);
    for (let i = 0; i < N; i++) label[perm[i]] = i < n ? 0 : 1;
    nulls[b] = stat();
    if (nulls[b] >= observed) atLeast++;
  }
  nulls.sort();
  const pos = 0.95 * (B - 1);
  const lo = Math.floor(pos);
  const q95 = lo + 1 < B ? nulls[lo] + (pos - lo) * (nulls[lo + 1] - nulls[lo]) : nulls[lo];
  return { mmd2: observed, pValue: (1 + atLeast) / (1 + B), nullQuantile95: q95 };
}

/**
 * Exact W2^2 between the empirical distributions of two 1-D samples: both quantile functions are steps,
 * constant between the merged breakpoints i/n and j/m. Sorts copies.
 */
export function wasserstein2Sq1d(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const [n, m] = [a.length, b.length];
  if (n === 0 || m === 0) throw new Error(`wasserstein2Sq1d: both samples must be non-empty, got ${n} and ${m}`);
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();
  if (n === m) {
    let s = 0;
    for (let i = 0; i < n; i++) s += (sa[i] - sb[i]) ** 2;
    return s / n;
  }
  // walk both staircases: the next breakpoint is min((i+1)/n, (j+1)/m), compared in integers as (i+1) m vs (j+1) n
  let [i, j, u, s] = [0, 0, 0, 0];
  while (i < n && j < m) {
    const [ea, eb] = [(i + 1) * m, (j + 1) * n];
    const next = Math.min(ea, eb) / (n * m);
    s += (next - u) * (sa[i] - sb[j]) ** 2;
    u = next;
    if (ea <= eb) i++;
    if (eb <= ea) j++;
  }
  return s;
}

/** Options of {@link slicedW2}. */
export interface SlicedW2Options {
  /** random unit directions (default 64) */
  projections?: number;
  rng: Rng;
}

/**
 * Sliced W2^2: the mean over random unit directions theta (uniform on the sphere) of the exact 1-D W2^2
 * between the projections <x_i, theta> and <y_j, theta> ({@link wasserstein2Sq1d}; sample sizes may differ).
 * In 1-D the directions are +-1 and it is W2^2 itself.
 */
export function slicedW2(x: ArrayLike<number>, y: ArrayLike<number>, d: number, opts: SlicedW2Options): number {
  const n = count(x, d, 'x', 'slicedW2', 1);
  const m = count(y, d, 'y', 'slicedW2', 1);
  const P = opts.projections ?? 64;
  if (!(Number.isInteger(P) && P >= 1)) throw new Error(`slicedW2: projections must be an integer >= 1, got ${P}`);
  const theta = new Float64Array(d);
  const [px, py] = [new Float64Array(n), new Float64Array(m)];
  let total = 0;
  for (let p = 0; p < P; p++) {
    let norm = 0;
    do {
      for (let q = 0; q < d; q++) theta[q] = opts.rng.normal();
      norm = Math.hypot(...theta);
    } while (norm === 0);
    const project = (a: ArrayLike<number>, out: Float64Array) => {
      for (let i = 0; i < out.length; i++) {
        let s = 0;
        for (let q = 0; q < d; q++) s += a[i * d + q] * theta[q];
        out[i] = s / norm;
      }
    };
    project(x, px);
    project(y, py);
    total += wasserstein2Sq1d(px, py);
  }
  return total / P;
}
