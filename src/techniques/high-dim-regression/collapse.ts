/**
 * Model collapse in regression (Dohmatob, Feng & Kempe 2024). Generation 0 is the truth w0; generation
 * k >= 1 is OLS fitted to T0 fresh Gaussian inputs labelled by generation k-1 plus N(0, sigma0^2)
 * noise. The downstream model is fitted (OLS or ridge) to T inputs labelled by generation n plus
 * N(0, sigma^2) noise, and its test error is the excess risk ||w_pred - w0||^2 (isotropic inputs).
 *
 * Why it is linear in n: generation k = generation k-1 + (X_k^T X_k)^{-1} X_k^T e_k, a zero-mean error
 * independent of everything before, so errors add. With E (X^T X)^{-1} = I / (T0 - d - 1) (inverse
 * Wishart), each adds sigma0^2 d / (T0 - d - 1), and the downstream OLS adds sigma^2 d / (T - d - 1):
 * E_test = sigma^2 d / (T - d - 1) + n sigma0^2 d / (T0 - d - 1), exact at finite sizes (the paper's
 * Theorem for OLS).
 *
 * For a downstream ridge fit, R = (G/T + lambda)^{-1} G/T with G = X^T X, and w_pred - w0 =
 * (R - I) w0 + R delta + noise term with delta = generation n - w0, E delta delta^T = s^2 I,
 * s^2 = n sigma0^2 / (T0 - d - 1). By rotation invariance, E_test = (|w0|^2 / d) E tr (I - R)^2 +
 * s^2 E tr R^2 + (sigma^2 / T) E tr (G/T + lambda)^{-2} G/T: the paper's decomposition "clean error
 * + n sigma0^2 rho". Here each trace is taken in its Marchenko-Pastur limit (gamma = d / T), the
 * proportional-regime formula for isotropic inputs.
 */
import type { Rng } from '../../random/rng.js';
import { ridgeFromGram } from './fits.js';
import { gaussianMatrix, gram, matTVec, matVec, sqDist } from './linalg.js';
import { mpExpectation } from './marchenko-pastur.js';

/** The model-collapse setting: dimension, downstream and per-generation sample sizes, and the two label-noise sds. */
export interface CollapseSetting {
  /** input dimension */
  d: number;
  /** downstream training samples */
  T: number;
  /** samples per fake generation */
  T0: number;
  /** downstream label noise sd */
  sigma: number;
  /** fake-generation label noise sd */
  sigma0: number;
}

function validate(fn: string, s: CollapseSetting): void {
  if (!(Number.isInteger(s.d) && s.d > 0)) throw new Error(`${fn}: d must be a positive integer, got ${s.d}`);
  if (!(s.T0 > s.d + 1)) throw new Error(`${fn}: T0 must exceed d + 1 (OLS generations), got T0 = ${s.T0}, d = ${s.d}`);
  if (!(s.T > s.d + 1)) throw new Error(`${fn}: T must exceed d + 1, got T = ${s.T}, d = ${s.d}`);
  if (!(s.sigma >= 0 && s.sigma0 >= 0)) throw new Error(`${fn}: noise sds must be >= 0, got ${s.sigma}, ${s.sigma0}`);
}

/** The paper's exact OLS test error after n generations. */
export function olsCollapseError(s: CollapseSetting, n: number): number {
  validate('olsCollapseError', s);
  if (!(Number.isInteger(n) && n >= 0)) throw new Error(`olsCollapseError: n must be a non-negative integer, got ${n}`);
  return (s.sigma ** 2 * s.d) / (s.T - s.d - 1) + (n * s.sigma0 ** 2 * s.d) / (s.T0 - s.d - 1);
}

/** Downstream ridge (penalty lambda |w|^2 on the mean squared loss) after n generations: proportional-regime limit (see the module comment). */
export function ridgeCollapseError(s: CollapseSetting, n: number, lambda: number, signal: number): number {
  validate('ridgeCollapseError', s);
  if (!(lambda >= 0)) throw new Error(`ridgeCollapseError: lambda must be >= 0, got ${lambda}`);
  if (!(signal >= 0)) throw new Error(`ridgeCollapseError: signal |w0|^2 must be >= 0, got ${signal}`);
  const a = signal / s.d;
  const s2 = (n * s.sigma0 ** 2) / (s.T0 - s.d - 1);
  const v = s.sigma ** 2 / s.T;
  return s.d * mpExpectation((mu) => {
    const r = mu / (mu + lambda);
    return a * (1 - r) ** 2 + s2 * r * r + (v * mu) / (mu + lambda) ** 2;
  }, s.d / s.T);
}

/** The ridge lambda minimising ridgeCollapseError after n generations (golden section on log lambda in [1e-5, 1e3]). */
export function optimalCollapseRidge(s: CollapseSetting, n: number, signal: number): number {
  const f = (t: number) => ridgeCollapseError(s, n, Math.exp(t), signal);
  let lo = Math.log(1e-5), hi = Math.log(1e3);
  const g = (Math.sqrt(5) - 1) / 2;
  let c = hi - g * (hi - lo), e = lo + g * (hi - lo);
  let fc = f(c), fe = f(e);
  for (let i = 0; i < 80; i++) {
    if (fc < fe) { hi = e; e = c; fe = fc; c = hi - g * (hi - lo); fc = f(c); }
    else { lo = c; c = e; fc = fe; e = lo + g * (hi - lo); fe = f(e); }
  }
  return Math.exp((lo + hi) / 2);
}

/** A downstream estimator in `collapseChain`: a name and its ridge penalty as a function of the generation. */
export interface CollapseArm {
  name: string;
  /** the downstream ridge lambda at generation n (0: OLS) */
  lambda: (n: number) => number;
}

/**
 * One collapse chain: generations 0..generations, and at each the downstream fit of every arm on one
 * shared downstream design and noise (so arms and generations are paired). Returns ||w_pred - w0||^2
 * per arm and generation.
 */
export function collapseChain(s: CollapseSetting, w0: ArrayLike<number>, generations: number, arms: CollapseArm[], rng: Rng): Record<string, number[]> {
  validate('collapseChain', s);
  if (w0.length !== s.d) throw new Error(`collapseChain: w0 has ${w0.length} entries, expected d = ${s.d}`);
  if (!(Number.isInteger(generations) && generations >= 0)) throw new Error(`collapseChain: generations must be a non-negative integer, got ${generations}`);
  const { d, T, T0 } = s;
  const x = gaussianMatrix(T, d, rng);
  const g = gram(x, T, d);
  const xtNoise = matTVec(x, T, d, Float64Array.from({ length: T }, () => s.sigma * rng.normal()));
  const out: Record<string, number[]> = Object.fromEntries(arms.map((a) => [a.name, [] as number[]]));
  let w: Float64Array = Float64Array.from(w0); // annotated: newer TypeScript (TypeDoc's) infers Float64Array<ArrayBuffer> here
  for (let n = 0; n <= generations; n++) {
    // X^T y for labels y = X w_n + noise
    const gw = matVec(g, d, d, w);
    const xty = gw.map((v, i) => v + xtNoise[i]);
    for (const arm of arms) out[arm.name].push(sqDist(ridgeFromGram(g, xty, T, d, arm.lambda(n)), w0));
    if (n === generations) break;
    // the next fake generation: OLS on T0 fresh inputs labelled by w_n
    const xf = gaussianMatrix(T0, d, rng);
    const yf = matVec(xf, T0, d, w);
    for (let i = 0; i < T0; i++) yf[i] += s.sigma0 * rng.normal();
    w = ridgeFromGram(gram(xf, T0, d), matTVec(xf, T0, d, yf), T0, d, 0);
  }
  return out;
}
