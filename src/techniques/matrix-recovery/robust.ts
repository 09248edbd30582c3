/**
 * Robust low-rank recovery with the l1 loss (Ma & Fattahi 2023): measurements y = A(M*) + s with
 * a fraction of gross outliers s, the symmetric factorisation U U^T (U n x r', r' >= r possibly
 * over-estimated), and the sub-gradient method
 *   f(U) = (1/m) sum_i |<A_i, U U^T> - y_i|,   U <- U - eta_t 2 S U,   S = (1/m) sum_i sign(r_i) A_i,
 * with geometrically decaying steps eta_t = eta0 rho^t (the l1 sub-gradient does not vanish at the
 * solution, so the step must). The l2 counterpart (w_i = r_i instead of sign(r_i), a constant step) is
 * the baseline. Symmetric sensing is applied in reduced coordinates (see toReduced).
 */
import type { Rng } from '../../random/rng.js';
import { frob2, matMul, matMulT } from './linalg.js';
import { fromReduced, toReduced, type Sensing } from './sensing.js';

/** Symmetric n x n matrix sensing with m measurements, some corrupted by outliers. */
export interface RobustProblem {
  n: number;
  m: number;
  /** m x n(n+1)/2 reduced sensing rows */
  rows: Float64Array;
  y: Float64Array;
  mStar: Float64Array;
  /** which measurements were corrupted */
  corrupted: Uint8Array;
  /** the outliers s_i added (0 on clean measurements) */
  noise: Float64Array;
}

/**
 * y_i = <A_i, M*> + s_i, with s_i ~ N(0, outlierScale^2) on a random fraction `outliers` of the
 * measurements (exactly round(outliers m) of them) and 0 elsewhere.
 */
export function robustProblem(op: Sensing, mStar: Float64Array, outliers: number, outlierScale: number, rng: Rng): RobustProblem {
  if (!op.symmetric) throw new Error('robustProblem: needs symmetric sensing (gaussianSensing with symmetric: true)');
  if (!(outliers >= 0 && outliers < 1)) throw new Error(`robustProblem: outliers must be a fraction in [0, 1), got ${outliers}`);
  if (mStar.length !== op.n1 * op.n1) throw new Error(`robustProblem: mStar has ${mStar.length} entries, the sensing is ${op.n1} x ${op.n1}`);
  const n = op.n1, d = (n * (n + 1)) / 2;
  const rows = new Float64Array(op.m * d);
  for (let i = 0; i < op.m; i++) toReduced(op.a.subarray(i * n * n, (i + 1) * n * n), n, rows.subarray(i * d, (i + 1) * d));
  const z = toReduced(mStar, n);
  const y = new Float64Array(op.m);
  for (let i = 0; i < op.m; i++) { let s = 0; for (let j = 0; j < d; j++) s += rows[i * d + j] * z[j]; y[i] = s; }
  const corrupted = new Uint8Array(op.m), noise = new Float64Array(op.m);
  const perm = rng.permutation(op.m);
  const k = Math.round(outliers * op.m);
  for (let i = 0; i < k; i++) { corrupted[perm[i]] = 1; noise[perm[i]] = outlierScale * rng.normal(); y[perm[i]] += noise[perm[i]]; }
  return { n, m: op.m, rows, y, mStar, corrupted, noise };
}

/** Settings of `recoverLowRank`: loss (mean |r| or mean r^2 / 2), initial step, per-step decay, step count and recording interval. */
export interface RecoveryOptions {
  loss: 'l1' | 'l2';
  eta0: number;
  /** step decay per iteration (1: constant step) */
  rho?: number;
  steps: number;
  /** record the relative error every this many steps (default 1) */
  every?: number;
}

/** Relative error ||U U^T - M*||_F / ||M*||_F along a (sub)gradient run from U0 (n x k, copied). */
export function recoverLowRank(p: RobustProblem, u0: Float64Array, k: number, o: RecoveryOptions): { t: number[]; relErr: number[]; u: Float64Array } {
  const { n, m } = p;
  if (u0.length !== n * k) throw new Error(`recoverLowRank: U0 has ${u0.length} entries, expected n x k = ${n} x ${k}`);
  if (!(o.eta0 > 0)) throw new Error(`recoverLowRank: eta0 must be > 0, got ${o.eta0}`);
  const rho = o.rho ?? 1;
  if (!(rho > 0 && rho <= 1)) throw new Error(`recoverLowRank: rho must be in (0, 1], got ${rho}`);
  const d = (n * (n + 1)) / 2, every = o.every ?? 1;
  const norm = Math.sqrt(frob2(p.mStar));
  let u = Float64Array.from(u0);
  const out = { t: [] as number[], relErr: [] as number[], u };
  const w = new Float64Array(m), s = new Float64Array(d);
  let eta = o.eta0;
  for (let t = 0; ; t++) {
    const zz = matMulT(u, u, n, k, n);
    if (t % every === 0 || t === o.steps) { out.t.push(t); out.relErr.push(Math.sqrt(frob2(zz, p.mStar)) / norm); }
    if (t === o.steps) break;
    const z = toReduced(zz, n);
    // locals, not property reads, in the O(m d) loops (twice as fast in V8)
    const rows = p.rows, y = p.y, l1 = o.loss === 'l1';
    for (let i = 0; i < m; i++) {
      let r = -y[i];
      const base = i * d;
      for (let j = 0; j < d; j++) r += rows[base + j] * z[j];
      w[i] = l1 ? Math.sign(r) : r;
    }
    s.fill(0);
    for (let i = 0; i < m; i++) {
      const wi = w[i] / m;
      if (wi === 0) continue;
      const base = i * d;
      for (let j = 0; j < d; j++) s[j] += wi * rows[base + j];
    }
    const g = matMul(fromReduced(s, n), u, n, n, k);
    for (let i = 0; i < u.length; i++) u[i] -= 2 * eta * g[i];
    if (!Number.isFinite(u[0])) throw new Error(`recoverLowRank: diverged at step ${t} (eta0 ${o.eta0} too large)`);
    eta *= rho;
  }
  out.u = u;
  return out;
}

/** The l1 loss (1/m) sum |<A_i, U U^T> - y_i| (or (1/2m) sum of squares for 'l2') at U. */
export function recoveryLoss(p: RobustProblem, u: Float64Array, k: number, loss: 'l1' | 'l2'): number {
  const { n, m } = p, d = (n * (n + 1)) / 2;
  const z = toReduced(matMulT(u, u, n, k, n), n);
  let f = 0;
  for (let i = 0; i < m; i++) {
    let r = -p.y[i];
    for (let j = 0; j < d; j++) r += p.rows[i * d + j] * z[j];
    f += loss === 'l1' ? Math.abs(r) : r * r / 2;
  }
  return f / m;
}
