/**
 * The asymptotic worth of a noisy sample: the Fisher information about a 1-D mixture's means carried by
 * one observation y = x + sigma z, x ~ sum_k w_k N(mu_k, v), is
 *   I_ab = E[ d/dmu_a log p(y) d/dmu_b log p(y) ],  d/dmu_k log p(y) = r_k(y) (y - mu_k)/(v + sigma^2),
 * computed here by quadrature. For large n the maximum-likelihood (EM) estimate's mean squared error is
 * tr(I^-1)/n (Cramer-Rao, attained asymptotically), so n clean samples are worth
 * n tr(I_sigma^-1)/tr(I_0^-1) noisy ones: the ratio is the asymptotic "samples needed to match".
 */

/** Options of {@link meanFisherInformation1d}. */
export interface FisherOptions {
  /** quadrature points (default 20000) */
  points?: number;
  /** the grid spans the means +- this many standard deviations sqrt(v + sigma^2) (default 12) */
  width?: number;
}

/** The K x K Fisher information about the means of one observation with noise variance `noiseVar`. */
export function meanFisherInformation1d(means: number[], weights: number[], variance: number, noiseVar: number, opts: FisherOptions = {}): number[][] {
  const K = means.length;
  if (K < 1 || weights.length !== K) throw new Error(`meanFisherInformation1d: weights must have one entry per mean (${K}), got ${weights.length}`);
  if (means.some((m) => !Number.isFinite(m))) throw new Error('meanFisherInformation1d: means must be finite');
  if (weights.some((w) => !(w > 0)) || Math.abs(weights.reduce((a, b) => a + b, 0) - 1) > 1e-9) throw new Error(`meanFisherInformation1d: weights must be > 0 and sum to 1, got [${weights.join(', ')}]`);
  if (!(variance >= 0 && noiseVar >= 0 && variance + noiseVar > 0 && Number.isFinite(variance + noiseVar))) throw new Error(`meanFisherInformation1d: need variance >= 0, noiseVar >= 0 and variance + noiseVar > 0, got ${variance} and ${noiseVar}`);
  const m = opts.points ?? 20000;
  const width = opts.width ?? 12;
  if (!(Number.isInteger(m) && m >= 100)) throw new Error(`meanFisherInformation1d: points must be an integer >= 100, got ${m}`);
  const c = variance + noiseVar;
  const sd = Math.sqrt(c);
  const [lo, hi] = [Math.min(...means) - width * sd, Math.max(...means) + width * sd];
  const h = (hi - lo) / m;
  const info = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  const comp = new Float64Array(K);
  const g = new Float64Array(K);
  for (let i = 0; i <= m; i++) {
    const y = lo + i * h;
    // trapezoid weights: half at the ends
    const q = i === 0 || i === m ? h / 2 : h;
    let p = 0;
    for (let k = 0; k < K; k++) { comp[k] = (weights[k] * Math.exp(-((y - means[k]) ** 2) / (2 * c))) / Math.sqrt(2 * Math.PI * c); p += comp[k]; }
    if (!(p > 0)) continue;
    for (let k = 0; k < K; k++) g[k] = ((comp[k] / p) * (y - means[k])) / c;
    for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) info[a][b] += q * p * g[a] * g[b];
  }
  return info;
}

/** tr(A^-1) of a symmetric positive definite matrix (Cholesky); throws when A is not positive definite. */
export function traceInverse(a: number[][]): number {
  const n = a.length;
  if (n < 1 || a.some((r) => r.length !== n)) throw new Error('traceInverse: a must be a non-empty square matrix');
  const L = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = a[i][j];
    for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
    if (i === j) {
      if (!(s > 0)) throw new Error(`traceInverse: a is not positive definite (pivot ${i} is ${s})`);
      L[i][i] = Math.sqrt(s);
    } else L[i][j] = s / L[j][j];
  }
  // tr(A^-1) = |L^-1|_F^2: solve L X = I column by column
  let tr = 0;
  for (let c = 0; c < n; c++) {
    const x = new Array<number>(n).fill(0);
    for (let i = c; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= L[i][k] * x[k];
      x[i] = s / L[i][i];
      tr += x[i] * x[i];
    }
  }
  return tr;
}

/**
 * The asymptotic number of noisy samples (noise variance `noiseVar`) worth one clean sample, for
 * estimating the means: tr(I_sigma^-1) / tr(I_0^-1).
 */
export function asymptoticNoisyPerClean(means: number[], weights: number[], variance: number, noiseVar: number, opts: FisherOptions = {}): number {
  if (!(variance > 0)) throw new Error(`asymptoticNoisyPerClean: variance must be > 0 (clean samples of a point mass are exact), got ${variance}`);
  return traceInverse(meanFisherInformation1d(means, weights, variance, noiseVar, opts)) / traceInverse(meanFisherInformation1d(means, weights, variance, 0, opts));
}
