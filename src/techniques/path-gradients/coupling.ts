/**
 * A 2-D affine coupling flow with a linear conditioner, small enough to differentiate by hand:
 *   x1 = z1 e^a + b,   x2 = z2 e^(alpha x1 + beta) + gamma x1 + delta,   z ~ N(0, I),
 * theta = [a, b, alpha, beta, gamma, delta]. With alpha = 0 it is the general 2-D Gaussian (an affine
 * flow); with alpha != 0, x2 | x1 is heteroscedastic and q is not Gaussian.
 *
 * Reverse-KL gradient estimators per sample z (Roeder et al. 2017; Vaitl et al. 2022/2024): with
 * x = T_theta(z) and v = grad_x log q_theta(x) - grad_x log p(x),
 *   total: d/dtheta [log q_theta(T_theta(z)) - log p(T_theta(z))] = (dx/dtheta)^T v + d_theta log q_theta(x)|_x fixed,
 *   path:  (dx/dtheta)^T v (the score term, zero in expectation, dropped).
 * Both are unbiased for grad KL(q || p); where q = p, v = 0 for every x, so the path estimator is 0
 * sample by sample while the total estimator keeps the score term's variance.
 */
export type Theta = readonly number[];
/** Number of flow parameters: theta = [a, b, alpha, beta, gamma, delta]. */
export const THETA_SIZE = 6;

/** A target: unnormalised log density and its gradient in x. */
export interface Target {
  /** log p(x), up to a constant */
  logP(x1: number, x2: number): number;
  /** grad_x log p(x) */
  gradLogP(x1: number, x2: number): [number, number]
}

function checkTheta(fn: string, t: Theta): void {
  if (t.length !== THETA_SIZE || t.some((v) => !Number.isFinite(v))) throw new Error(`${fn}: theta must be ${THETA_SIZE} finite numbers, got [${t.join(', ')}]`);
}

/** The flow x = T_theta(z) at one base point z. */
export function forward(t: Theta, z1: number, z2: number): [number, number] {
  const x1 = z1 * Math.exp(t[0]) + t[1];
  return [x1, z2 * Math.exp(t[2] * x1 + t[3]) + t[4] * x1 + t[5]];
}

/** The inverse z = T_theta^-1(x) at one point x. */
export function inverse(t: Theta, x1: number, x2: number): [number, number] {
  return [(x1 - t[1]) * Math.exp(-t[0]), (x2 - t[4] * x1 - t[5]) * Math.exp(-(t[2] * x1 + t[3]))];
}

/** log q_theta(x), normalised. */
export function logQ(t: Theta, x1: number, x2: number): number {
  const [z1, z2] = inverse(t, x1, x2);
  return -0.5 * (z1 * z1 + z2 * z2) - Math.log(2 * Math.PI) - t[0] - (t[2] * x1 + t[3]);
}

/** grad_x log q_theta(x). */
export function gradLogQ(t: Theta, x1: number, x2: number): [number, number] {
  const [z1, z2] = inverse(t, x1, x2);
  const es = Math.exp(-(t[2] * x1 + t[3]));
  // z2 = (x2 - gamma x1 - delta) e^-s(x1): dz2/dx1 = -gamma e^-s - alpha z2, dz2/dx2 = e^-s
  return [-z1 * Math.exp(-t[0]) + z2 * (t[4] * es + t[2] * z2) - t[2], -z2 * es];
}

/** The flow as a target: its own normalised density at parameters t (so q = p is reachable). */
export function flowTarget(t: Theta): Target {
  checkTheta('flowTarget', t);
  return { logP: (x1, x2) => logQ(t, x1, x2), gradLogP: (x1, x2) => gradLogQ(t, x1, x2) };
}

/** A banana: x1 ~ N(0, 1), x2 | x1 ~ N(b (x1^2 - 1), s^2); the flow cannot represent its quadratic mean. */
export function bananaTarget(b: number, s: number): Target {
  if (!(s > 0)) throw new Error(`bananaTarget: s must be > 0, got ${s}`);
  return {
    logP: (x1, x2) => -0.5 * x1 * x1 - 0.5 * ((x2 - b * (x1 * x1 - 1)) / s) ** 2 - Math.log(2 * Math.PI * s),
    gradLogP: (x1, x2) => { const r = (x2 - b * (x1 * x1 - 1)) / (s * s); return [-x1 + r * 2 * b * x1, -r]; },
  };
}

/** Per-sample total and path gradients of the reverse KL at theta for one z (each of length 6). */
export function sampleGradients(t: Theta, target: Target, z1: number, z2: number): { total: Float64Array; path: Float64Array } {
  const ea = Math.exp(t[0]);
  const [x1, x2] = forward(t, z1, z2);
  const es = Math.exp(t[2] * x1 + t[3]);
  const gq = gradLogQ(t, x1, x2), gp = target.gradLogP(x1, x2);
  const v1 = gq[0] - gp[0], v2 = gq[1] - gp[1];
  // dx/dtheta: x1 depends on a, b; x2 on all six (through x1 too: dx2/dx1 = alpha z2 e^s + gamma)
  const dx2dx1 = t[2] * z2 * es + t[4];
  const dx1 = [z1 * ea, 1, 0, 0, 0, 0];
  const dx2 = [dx2dx1 * z1 * ea, dx2dx1, z2 * es * x1, z2 * es, x1, 1];
  const path = Float64Array.from(dx1, (d1, i) => d1 * v1 + dx2[i] * v2);
  // d/dtheta of log q(T(z)) along the sample = -a - s(x1(theta)) + const, minus (dx/dtheta)^T grad log p
  const dLogQAlong = [-1 - t[2] * z1 * ea, -t[2], -x1, -1, 0, 0];
  const total = Float64Array.from(dLogQAlong, (l, i) => l - (dx1[i] * gp[0] + dx2[i] * gp[1]));
  return { total, path };
}

/** Monte Carlo reverse KL, E_q[log q - log p] (p's normaliser included if logP is normalised). */
export function reverseKl(t: Theta, target: Target, zs: ArrayLike<number>): number {
  let s = 0;
  const n = zs.length / 2;
  for (let i = 0; i < n; i++) {
    const [x1, x2] = forward(t, zs[2 * i], zs[2 * i + 1]);
    s += logQ(t, x1, x2) - target.logP(x1, x2);
  }
  return s / n;
}

/**
 * Mean and trace of the covariance of both estimators over the draws zs (pairs), at theta.
 */
export function estimatorMoments(t: Theta, target: Target, zs: ArrayLike<number>): { meanTotal: Float64Array; meanPath: Float64Array; varTotal: number; varPath: number; maxAbsPath: number } {
  checkTheta('estimatorMoments', t);
  const n = zs.length / 2;
  if (n < 2) throw new Error(`estimatorMoments: need at least 2 draws, got ${n}`);
  const st = new Float64Array(6), sp = new Float64Array(6), qt = new Float64Array(6), qp = new Float64Array(6);
  let maxAbsPath = 0;
  for (let i = 0; i < n; i++) {
    const { total, path } = sampleGradients(t, target, zs[2 * i], zs[2 * i + 1]);
    for (let k = 0; k < 6; k++) { st[k] += total[k]; sp[k] += path[k]; qt[k] += total[k] ** 2; qp[k] += path[k] ** 2; maxAbsPath = Math.max(maxAbsPath, Math.abs(path[k])); }
  }
  const meanTotal = st.map((v) => v / n), meanPath = sp.map((v) => v / n);
  let varTotal = 0, varPath = 0;
  for (let k = 0; k < 6; k++) { varTotal += (qt[k] - n * meanTotal[k] ** 2) / (n - 1); varPath += (qp[k] - n * meanPath[k] ** 2) / (n - 1); }
  return { meanTotal, meanPath, varTotal, varPath, maxAbsPath };
}

/** Adam on the reverse KL with one estimator; `onStep(k, theta)` sees each iterate. */
export function trainReverseKl(t0: Theta, target: Target, opts: { estimator: 'total' | 'path'; steps: number; batch: number; lr: number; draw: () => number; onStep?: (k: number, t: Theta) => void }): number[] {
  checkTheta('trainReverseKl', t0);
  const t = [...t0], m = new Array(6).fill(0), v = new Array(6).fill(0), b1 = 0.9, b2 = 0.999;
  for (let k = 1; k <= opts.steps; k++) {
    const g = new Array(6).fill(0);
    for (let i = 0; i < opts.batch; i++) {
      const s = sampleGradients(t, target, opts.draw(), opts.draw());
      const e = opts.estimator === 'total' ? s.total : s.path;
      for (let j = 0; j < 6; j++) g[j] += e[j] / opts.batch;
    }
    for (let j = 0; j < 6; j++) {
      m[j] = b1 * m[j] + (1 - b1) * g[j];
      v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
      t[j] -= opts.lr * (m[j] / (1 - b1 ** k)) / (Math.sqrt(v[j] / (1 - b2 ** k)) + 1e-8);
    }
    opts.onStep?.(k, t);
  }
  return t;
}
