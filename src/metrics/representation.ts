/** Geometry of learned representations. */

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
