/**
 * First two moments of noisy USAM on a 2-D quadratic, exactly, and of its SDE model.
 * Stochastic gradient: grad f_gamma(x) = H x + xi with xi ~ N(0, Sigma) shared by the step's two
 * evaluations, so USAM is x <- (I - eta A) x - eta (I + rho H) xi with A = H + rho H^2.
 * - discrete: m_k = (I - eta A)^k m_0, C_{k+1} = (I - eta A) C_k (I - eta A)^T + eta^2 (I + rho H) Sigma (I + rho H);
 * - SDE (Compagnoni et al. 2023, USAM): dX = -grad(f + rho/2 |grad f|^2) dt + sqrt(eta) (Sigma + rho (H Sigma + Sigma H))^(1/2) dW,
 *   i.e. drift -A X; `diffusion: 'exact'` uses the step's own noise covariance (I + rho H) Sigma (I + rho H) instead.
 * Both are solved in H's eigenbasis, where A is diagonal (a_i = lambda_i + rho lambda_i^2): entry (i, j) of the
 * covariance evolves by the factor (1 - eta a_i)(1 - eta a_j) per step, or exp(-(a_i + a_j) t) in continuous time.
 */
import { assertMat2, eigSym2, matMul2, transpose2, type Mat2 } from './quadratic.js';

/** Mean, covariance and second moment of a 2-D iterate distribution. */
export interface Moments2 {
  mean: [number, number];
  cov: Mat2;
  /** E[x x^T] = cov + mean mean^T */
  second: Mat2;
}

interface Basis {
  q: Mat2; // columns = eigenvectors of H
  lambda: [number, number];
  a: [number, number];
}

function basis(h: Mat2, rho: number): Basis {
  const e = eigSym2(h);
  const q: Mat2 = [e.vectors[0][0], e.vectors[1][0], e.vectors[0][1], e.vectors[1][1]];
  const a = e.values.map((l) => l + rho * l * l) as [number, number];
  return { q, lambda: e.values, a };
}

const toBasis = (b: Basis, m: Mat2): Mat2 => matMul2(transpose2(b.q), matMul2(m, b.q));
const fromBasis = (b: Basis, m: Mat2): Mat2 => matMul2(b.q, matMul2(m, transpose2(b.q)));
const vecToBasis = (b: Basis, x: readonly number[]): [number, number] => [b.q[0] * x[0] + b.q[2] * x[1], b.q[1] * x[0] + b.q[3] * x[1]];
const vecFromBasis = (b: Basis, y: readonly number[]): [number, number] => [b.q[0] * y[0] + b.q[1] * y[1], b.q[2] * y[0] + b.q[3] * y[1]];

function finish(b: Basis, meanB: [number, number], covB: Mat2): Moments2 {
  const mean = vecFromBasis(b, meanB);
  const cov = fromBasis(b, covB);
  cov[2] = cov[1] = (cov[1] + cov[2]) / 2;
  return { mean, cov, second: [cov[0] + mean[0] * mean[0], cov[1] + mean[0] * mean[1], cov[2] + mean[1] * mean[0], cov[3] + mean[1] * mean[1]] };
}

function check(fn: string, h: Mat2, sigma: Mat2, eta: number, rho: number, m0: readonly number[], c0: Mat2): void {
  assertMat2(fn, 'h', h); assertMat2(fn, 'sigma', sigma); assertMat2(fn, 'c0', c0);
  if (!(eta > 0) || !Number.isFinite(eta)) throw new Error(`${fn}: eta must be a finite number > 0, got ${eta}`);
  if (!(rho >= 0) || !Number.isFinite(rho)) throw new Error(`${fn}: rho must be a finite number >= 0, got ${rho}`);
  if (m0.length !== 2 || m0.some((v) => !Number.isFinite(v))) throw new Error(`${fn}: m0 must be 2 finite numbers`);
}

/** Exact mean and covariance of noisy USAM after `steps` steps from x_0 ~ (m0, c0). */
export function usamDiscreteMoments(h: Mat2, sigma: Mat2, eta: number, rho: number, steps: number, m0: readonly number[], c0: Mat2 = [0, 0, 0, 0]): Moments2 {
  check('usamDiscreteMoments', h, sigma, eta, rho, m0, c0);
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`usamDiscreteMoments: steps must be an integer >= 0, got ${steps}`);
  const b = basis(h, rho);
  const f = b.a.map((a) => 1 - eta * a);
  const d = b.lambda.map((l) => 1 + rho * l);
  const s = toBasis(b, sigma), c = toBasis(b, c0);
  const cov: Mat2 = [0, 0, 0, 0];
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
    const r = f[i] * f[j];
    const geo = Math.abs(1 - r) < 1e-14 ? steps : (1 - r ** steps) / (1 - r);
    cov[2 * i + j] = r ** steps * c[2 * i + j] + eta * eta * d[i] * d[j] * s[2 * i + j] * geo;
  }
  const mb = vecToBasis(b, m0);
  return finish(b, [f[0] ** steps * mb[0], f[1] ** steps * mb[1]], cov);
}

/** Exact mean and covariance at time t of USAM's SDE (an Ornstein-Uhlenbeck process here). */
export function usamSdeMoments(h: Mat2, sigma: Mat2, eta: number, rho: number, t: number, m0: readonly number[], c0: Mat2 = [0, 0, 0, 0], opts: { diffusion?: 'paper' | 'exact' } = {}): Moments2 {
  check('usamSdeMoments', h, sigma, eta, rho, m0, c0);
  if (!(t >= 0) || !Number.isFinite(t)) throw new Error(`usamSdeMoments: t must be a finite number >= 0, got ${t}`);
  const b = basis(h, rho);
  const s = toBasis(b, sigma), c = toBasis(b, c0);
  const l = b.lambda;
  const cov: Mat2 = [0, 0, 0, 0];
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
    const k = b.a[i] + b.a[j];
    const diff = opts.diffusion === 'exact' ? (1 + rho * l[i]) * (1 + rho * l[j]) : 1 + rho * (l[i] + l[j]);
    const integral = Math.abs(k * t) < 1e-12 ? t : -Math.expm1(-k * t) / k;
    cov[2 * i + j] = Math.exp(-k * t) * c[2 * i + j] + eta * diff * s[2 * i + j] * integral;
  }
  const mb = vecToBasis(b, m0);
  return finish(b, [Math.exp(-b.a[0] * t) * mb[0], Math.exp(-b.a[1] * t) * mb[1]], cov);
}
