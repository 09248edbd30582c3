/** Geometry of learned representations. */
import { jacobiEigen } from '../linalg/eigen.js';

/**
 * Within-class over between-class spread of features [n, d]: the mean squared distance of each
 * example to its class centroid, divided by the mean squared distance between distinct class
 * centroids. Smaller means tighter, better separated clusters (Mueller et al. 2019 on label smoothing).
 */
export function clusterRatio(features: ArrayLike<number>, d: number, labels: ArrayLike<number>, numClasses: number): number {
  const n = labels.length;
  if (features.length !== n * d) throw new Error(`clusterRatio: features has ${features.length} values, expected ${n}x${d}`);
  const mu = new Float64Array(numClasses * d);
  const cnt = new Float64Array(numClasses);
  for (let i = 0; i < n; i++) {
    cnt[labels[i]]++;
    for (let j = 0; j < d; j++) mu[labels[i] * d + j] += features[i * d + j];
  }
  for (let c = 0; c < numClasses; c++) for (let j = 0; j < d; j++) mu[c * d + j] /= cnt[c] || 1;
  let within = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) within += (features[i * d + j] - mu[labels[i] * d + j]) ** 2;
  }
  within /= n;
  let between = 0;
  let pairs = 0;
  for (let a = 0; a < numClasses; a++) {
    for (let b = a + 1; b < numClasses; b++) {
      if (!cnt[a] || !cnt[b]) continue;
      let s = 0;
      for (let j = 0; j < d; j++) s += (mu[a * d + j] - mu[b * d + j]) ** 2;
      between += s;
      pairs++;
    }
  }
  return within / (between / pairs);
}

/**
 * Coordinates of features [n, d] in an orthonormal basis of the span of the columns of W [d, k]
 * (Gram-Schmidt in float64). With W the last layer's kernel, the columns are the class templates and
 * this is the projection Mueller et al. use to visualise penultimate-layer clusters.
 */
export function projectOntoColumns(features: ArrayLike<number>, d: number, W: ArrayLike<number>, k: number): { coords: Float64Array; rank: number } {
  if (W.length !== d * k) throw new Error(`projectOntoColumns: W has ${W.length} values, expected ${d}x${k}`);
  const basis: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const v = new Float64Array(d);
    for (let i = 0; i < d; i++) v[i] = W[i * k + j];
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q[i] * v[i];
        for (let i = 0; i < d; i++) v[i] -= dot * q[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < d; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    if (norm > 1e-10) basis.push(v.map((x) => x / norm));
  }
  const n = features.length / d;
  const r = basis.length;
  const coords = new Float64Array(n * r);
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < r; j++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += basis[j][i] * features[s * d + i];
      coords[s * r + j] = dot;
    }
  }
  return { coords, rank: r };
}

/**
 * Within-class and overall mean cosine distances of features, and the class separation they give (see
 * `cosineSpread`).
 */
export interface CosineSpread {
  /** mean cosine distance (1 - cos) between distinct examples of the same class, averaged over classes */
  within: number;
  /** mean cosine distance between all distinct pairs */
  total: number;
  /** class separation R^2 = 1 - within / total (Kornblith et al. 2021) */
  separation: number;
}

/**
 * Intra-class variation and class separation of features [n, d] by cosine distance, as Kornblith et
 * al. (2021) and the MaxSup paper measure them; scale-free, so a loss that shrinks feature norms does
 * not look tighter for that alone (zero vectors are left out). Uses exact pair sums over unit vectors: the mean cosine over pairs
 * of a set S is (|sum_S u|^2 - |S|) / (|S| (|S| - 1)).
 */
export function cosineSpread(features: ArrayLike<number>, d: number, labels: ArrayLike<number>, numClasses: number): CosineSpread {
  const n = labels.length;
  if (features.length !== n * d) throw new Error(`cosineSpread: features has ${features.length} values, expected ${n}x${d}`);
  const sums = new Float64Array(numClasses * d);
  const total = new Float64Array(d);
  const counts = new Float64Array(numClasses);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let j = 0; j < d; j++) norm += features[i * d + j] ** 2;
    // a zero vector (a dead ReLU layer) has no direction: left out
    if (norm === 0) continue;
    norm = Math.sqrt(norm);
    counts[labels[i]]++;
    for (let j = 0; j < d; j++) {
      const u = features[i * d + j] / norm;
      sums[labels[i] * d + j] += u;
      total[j] += u;
    }
  }
  const meanCos = (s: Float64Array, offset: number, m: number) => {
    let sq = 0;
    for (let j = 0; j < d; j++) sq += s[offset + j] ** 2;
    return (sq - m) / (m * (m - 1));
  };
  let within = 0;
  let classes = 0;
  for (let c = 0; c < numClasses; c++) {
    if (counts[c] < 2) continue;
    within += 1 - meanCos(sums, c * d, counts[c]);
    classes++;
  }
  within /= classes;
  const all = 1 - meanCos(total, 0, counts.reduce((a, b) => a + b, 0));
  return { within, total: all, separation: 1 - within / all };
}

/**
 * Neural collapse NC1 (Papyan, Han & Donoho 2020): (1/C) Tr(Sigma_W Sigma_B^+), within-class
 * covariance against the pseudo-inverse of the between-class covariance of features [n, d]. Sigma_B
 * = M M^T / C has rank <= C - 1 (M: centred class means), so its eigenvectors come from the C x C
 * matrix M^T M / C: G v = lambda v gives u = M v / sqrt(C lambda), and the trace is
 * sum_k (u_k^T Sigma_W u_k) / lambda_k over the nonzero lambda_k.
 */
export function neuralCollapseNC1(features: ArrayLike<number>, d: number, labels: ArrayLike<number>, numClasses: number): number {
  const n = labels.length;
  if (features.length !== n * d) throw new Error(`neuralCollapseNC1: features has ${features.length} values, expected ${n}x${d}`);
  const C = numClasses;
  const mu = new Float64Array(C * d);
  const cnt = new Float64Array(C);
  const global = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    cnt[labels[i]]++;
    for (let j = 0; j < d; j++) { mu[labels[i] * d + j] += features[i * d + j]; global[j] += features[i * d + j] / n; }
  }
  if (cnt.some((c) => c === 0)) throw new Error('neuralCollapseNC1: every class needs at least one example');
  // M[:, c] = mu_c - mu_G
  for (let c = 0; c < C; c++) for (let j = 0; j < d; j++) mu[c * d + j] = mu[c * d + j] / cnt[c] - global[j];
  const G = new Float64Array(C * C);
  for (let a = 0; a < C; a++) for (let b = 0; b < C; b++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += mu[a * d + j] * mu[b * d + j];
    G[a * C + b] = s / C;
  }
  const { values, vectors } = jacobiEigen(G, C);
  const tol = Math.max(...values) * 1e-10;
  let trace = 0;
  values.forEach((lambda, k) => {
    if (!(lambda > tol)) return;
    const u = new Float64Array(d);
    for (let c = 0; c < C; c++) for (let j = 0; j < d; j++) u[j] += (mu[c * d + j] * vectors[k][c]) / Math.sqrt(C * lambda);
    let q = 0;
    for (let i = 0; i < n; i++) {
      let proj = 0;
      const base = labels[i] * d;
      for (let j = 0; j < d; j++) proj += (features[i * d + j] - (mu[base + j] + global[j])) * u[j];
      q += (proj * proj) / n;
    }
    trace += q / lambda;
  });
  return trace / C;
}
