/**
 * Exact low-dimensional simulation of first-layer gradient descent on isotropic Gaussian data in any dimension.
 *
 * A network whose first layer is W (d x m) sees an input x only through W^T x. Full-batch gradient descent
 * on n training points keeps every column of W in span{W0 columns, x_1 .. x_n}, so everything the network
 * ever computes depends on the data only through the k = n + m noise vectors (the training noise and the
 * initial weights) and their inner products. Stack them as the rows of Z (k x D, i.i.d. N(0, 1) entries,
 * D = d - the explicit coordinates); then Z = L Q^T with L lower triangular (k x k) and Q (D x k) with
 * orthonormal columns (QR of Z^T), and running the network on the rows of L instead of Z, with a fresh test
 * point's noise xi replaced by Q^T xi, gives the same pre-activations at every step (an exact identity: the
 * two coordinate systems differ by a rotation). For Gaussian Z, L L^T is Wishart_k(D, I) and L has
 * Bartlett's distribution, independent of the Haar-distributed Q, so Q^T xi ~ N(0, I_k) independently of L:
 * the D-dimensional experiment is drawn exactly, in distribution, at cost O(k^2) whatever D is. This is what
 * lets a claim meet a theory's d >= n^5 without ever forming a d-dimensional vector.
 */
import type { Rng } from '../../random/rng.js';
import type { Dataset } from '../../data/dataset.js';

function toDataset(name: string, pts: number[][], y: number[]): Dataset {
  const d = pts[0]?.length ?? 0;
  const x = new Float32Array(pts.length * d);
  pts.forEach((p, i) => x.set(p, i * d));
  return { name, x, y: Int32Array.from(y), featureShape: [d], numClasses: 2 };
}

/**
 * Bartlett's factor of a Wishart_k(dof, I) matrix: L lower triangular, k x k row-major, with
 * L_ii = sqrt(chi^2_{dof - i}) (i = 0 .. k-1) and L_ij ~ N(0, 1) below the diagonal, so L L^T is distributed as
 * Z Z^T for Z (k x dof) with i.i.d. standard normal entries. Throws unless dof >= k.
 */
export function bartlettFactor(k: number, dof: number, rng: Rng): Float64Array {
  if (!(Number.isInteger(k) && k >= 1 && dof >= k)) throw new Error(`bartlettFactor: need integer k >= 1 and dof >= k, got k = ${k}, dof = ${dof}`);
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    // chi^2 with (dof - i) degrees of freedom is 2 Gamma((dof - i) / 2)
    l[i * k + i] = Math.sqrt(2 * rng.gamma((dof - i) / 2));
    for (let j = 0; j < i; j++) l[i * k + j] = rng.normal();
  }
  return l;
}

/**
 * The lower-triangular factor of explicit rows: L (k x k, row-major) with L L^T = Z Z^T for Z (k x dim,
 * row-major), by Gram-Schmidt on the rows (Z = L Q^T, Q^T having orthonormal rows); also returns Q^T
 * (k x dim) so that a vector xi maps to Q^T xi. The rows must be linearly independent. For tests and
 * examples on small explicit cases: the reduction above draws L directly.
 */
export function lowerFactor(z: Float64Array, k: number, dim: number): { l: Float64Array; qt: Float64Array } {
  const l = new Float64Array(k * k);
  const qt = new Float64Array(k * dim);
  for (let i = 0; i < k; i++) {
    const v = z.slice(i * dim, (i + 1) * dim);
    for (let j = 0; j < i; j++) {
      let dot = 0;
      for (let t = 0; t < dim; t++) dot += z[i * dim + t] * qt[j * dim + t];
      l[i * k + j] = dot;
      for (let t = 0; t < dim; t++) v[t] -= dot * qt[j * dim + t];
    }
    let norm = 0;
    for (let t = 0; t < dim; t++) norm += v[t] * v[t];
    norm = Math.sqrt(norm);
    if (!(norm > 0)) throw new Error('lowerFactor: rows are linearly dependent');
    l[i * k + i] = norm;
    for (let t = 0; t < dim; t++) qt[i * dim + t] = v[t] / norm;
  }
  return { l, qt };
}

/** Options of `xorClustersReduced`: the data, the width and initial scale of the first layer. */
export interface ReducedXorOptions {
  /** training points */
  nTrain: number;
  /** test points (clean labels) */
  nTest: number;
  /** the ambient dimension d being simulated (any size >= 2 + nTrain + width) */
  dim: number;
  /** |mu1| = |mu2| */
  separation: number;
  /** probability that a training label is flipped */
  flip: number;
  /** hidden neurons m */
  width: number;
  /** standard deviation of the first-layer weights at initialisation */
  initStd: number;
}

/** XOR cluster data and a first-layer initialisation in the reduced coordinates (see the module comment). */
export interface ReducedXor {
  /** training set (noisy labels in y, clean ones in clean), in `reducedDim` coordinates */
  train: Dataset & { clean: Int32Array };
  /** test set (y = clean labels), in `reducedDim` coordinates */
  test: Dataset & { clean: Int32Array };
  /** the initial first-layer kernel, reducedDim x width row-major, for `twoLayerRelu` */
  init: Float32Array;
  /** 2 + nTrain + width: the two signal coordinates, then the span of the noise */
  reducedDim: number;
}

/**
 * XOR cluster data in dimension `dim` (class 0 at +-mu1, class 1 at +-mu2, mu1 = separation e_0,
 * mu2 = separation e_1, N(0, I_d) noise; each training label flipped with probability `flip`) together with
 * a N(0, initStd^2) first layer of `width` neurons, drawn exactly in distribution in 2 + nTrain + width
 * coordinates: the two signal coordinates explicitly, the other dim - 2 through Bartlett's factor of the
 * training noise and initial weights, and each test point's noise as its N(0, I) projection on their span.
 * Gradient descent on the first layer (second layer fixed) then runs exactly as in dimension `dim`.
 */
export function xorClustersReduced(o: ReducedXorOptions, rng: Rng): ReducedXor {
  const k = o.nTrain + o.width;
  const dof = o.dim - 2;
  if (!(dof >= k)) throw new Error(`xorClustersReduced: dim - 2 = ${dof} must be at least nTrain + width = ${k}`);
  const r = 2 + k;
  const l = bartlettFactor(k, dof, rng.fork('bartlett'));
  const point = (cls: number, sign: number, noise: (t: number) => number, g: Rng) => {
    const p = new Array<number>(r);
    p[0] = g.normal();
    p[1] = g.normal();
    p[cls] += sign * o.separation;
    for (let t = 0; t < k; t++) p[2 + t] = noise(t);
    return p;
  };
  const draw = (n: number, flip: number, g: Rng, noiseRow: (i: number) => (t: number) => number) => {
    const pts: number[][] = [];
    const y: number[] = [];
    const clean: number[] = [];
    for (let i = 0; i < n; i++) {
      const cls = g.int(2);
      const sign = g.uniform() < 0.5 ? -1 : 1;
      pts.push(point(cls, sign, noiseRow(i), g));
      clean.push(cls);
      y.push(g.uniform() < flip ? 1 - cls : cls);
    }
    return { ...toDataset('xor-clusters (reduced)', pts, y), clean: Int32Array.from(clean) };
  };
  const train = draw(o.nTrain, o.flip, rng.fork('train'), (i) => (t) => l[i * k + t]);
  const testRng = rng.fork('test');
  const test = draw(o.nTest, 0, testRng, () => () => testRng.normal());
  const initRng = rng.fork('init');
  const init = new Float32Array(r * o.width);
  for (let j = 0; j < o.width; j++) {
    init[0 * o.width + j] = o.initStd * initRng.normal();
    init[1 * o.width + j] = o.initStd * initRng.normal();
    for (let t = 0; t < k; t++) init[(2 + t) * o.width + j] = o.initStd * l[(o.nTrain + j) * k + t];
  }
  return { train, test, init, reducedDim: r };
}
