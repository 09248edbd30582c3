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
