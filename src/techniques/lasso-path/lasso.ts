/**
 * The lasso min_w (1/2n)|y - X w|^2 + lambda |w|_1, solved three ways on its Gram form (G = X^T X / n,
 * c = X^T y / n, so every step costs d^2, not n d): exactly by cyclic coordinate descent to a KKT
 * tolerance, by ISTA (proximal gradient: a gradient step on the smooth part, then soft thresholding),
 * and by subgradient descent, which treats |w|_1 as if it were differentiable (sign(w), with sign(0) = 0,
 * the convention of autodiff frameworks). Plain float64.
 */

export interface Lasso {
  d: number;
  /** X^T X / n, row-major d x d */
  gram: Float64Array;
  /** X^T y / n */
  xty: Float64Array;
  /** |y|^2 / (2n): the smooth part's constant, so objectives are exact */
  yy: number;
}

/** The Gram form of a lasso from rows x_i (length d) and labels y_i. */
export function lassoFromData(xs: Float64Array[], ys: ArrayLike<number>): Lasso {
  if (!xs.length || xs.length !== ys.length) throw new Error(`lassoFromData: xs (${xs.length}) and ys (${ys.length}) must be non-empty and of one length`);
  const d = xs[0].length, n = xs.length;
  const gram = new Float64Array(d * d), xty = new Float64Array(d);
  let yy = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    if (x.length !== d) throw new Error(`lassoFromData: row ${i} has length ${x.length}, expected ${d}`);
    for (let a = 0; a < d; a++) {
      xty[a] += x[a] * ys[i] / n;
      for (let b = a; b < d; b++) gram[a * d + b] += x[a] * x[b] / n;
    }
    yy += ys[i] * ys[i] / (2 * n);
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) gram[a * d + b] = gram[b * d + a];
  return { d, gram, xty, yy };
}

/** Gradient of the smooth part, G w - c (into `out` when given: the iterative solvers reuse one buffer). */
export function smoothGradient(p: Lasso, w: ArrayLike<number>, out?: Float64Array): Float64Array {
  const { d, gram, xty } = p;
  const g = out ?? new Float64Array(d);
  for (let a = 0; a < d; a++) {
    let s = -xty[a];
    const row = a * d;
    for (let b = 0; b < d; b++) s += gram[row + b] * w[b];
    g[a] = s;
  }
  return g;
}

/** The l1 norm sum_i |w_i|. */
export const l1 = (w: ArrayLike<number>) => { let s = 0; for (let i = 0; i < w.length; i++) s += Math.abs(w[i]); return s; };

/** The lasso objective (1/2n)|y - X w|^2 + lambda |w|_1. */
export function lassoObjective(p: Lasso, w: ArrayLike<number>, lambda: number): number {
  const g = smoothGradient(p, w);
  // (1/2n)|y - Xw|^2 = yy - c.w + w.G w / 2 = yy + w.(G w - c)/2 - c.w/2
  let s = p.yy;
  for (let a = 0; a < p.d; a++) s += w[a] * g[a] / 2 - p.xty[a] * w[a] / 2;
  return s + lambda * l1(w);
}

/** The smallest lambda at which w = 0 solves the lasso: max |c|. */
export const lambdaMax = (p: Lasso) => p.xty.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Largest eigenvalue of G (power iteration): the smooth part's Lipschitz constant. */
export function smoothness(p: Lasso, iterations = 500): number {
  let v = new Float64Array(p.d).fill(1 / Math.sqrt(p.d)), ev = 0;
  for (let k = 0; k < iterations; k++) {
    const gv = smoothGradient({ ...p, xty: new Float64Array(p.d) }, v);
    ev = Math.hypot(...gv);
    if (ev === 0) return 0;
    v = gv.map((x) => x / ev);
  }
  return ev;
}

/** The soft-thresholding operator sign(x) max(|x| - t, 0) (the prox of t |.|). */
export const softThreshold = (x: number, t: number) => (x > t ? x - t : x < -t ? x + t : 0);

/**
 * The worst violation of the lasso's optimality conditions at w: for w_j != 0, |g_j + lambda sign(w_j)|;
 * for w_j = 0, max(0, |g_j| - lambda) (g the smooth gradient). Zero exactly at a solution.
 */
export function kktResidual(p: Lasso, w: ArrayLike<number>, lambda: number): number {
  const g = smoothGradient(p, w);
  let worst = 0;
  for (let j = 0; j < p.d; j++) worst = Math.max(worst, w[j] !== 0 ? Math.abs(g[j] + lambda * Math.sign(w[j])) : Math.max(0, Math.abs(g[j]) - lambda));
  return worst;
}

/** The exact lasso solution by cyclic coordinate descent, run until the KKT residual is below tol. */
export function lassoExact(p: Lasso, lambda: number, opts: { tol?: number; warm?: Float64Array; maxSweeps?: number } = {}): Float64Array {
  if (!(lambda >= 0)) throw new Error(`lassoExact: lambda must be >= 0, got ${lambda}`);
  const { d, gram } = p, tol = opts.tol ?? 1e-12, maxSweeps = opts.maxSweeps ?? 100000;
  for (let j = 0; j < d; j++) if (!(gram[j * d + j] > 0)) throw new Error(`lassoExact: feature ${j} is all zeros (G_jj = ${gram[j * d + j]})`);
  const w = opts.warm ? Float64Array.from(opts.warm) : new Float64Array(d);
  const g = smoothGradient(p, w); // kept current: g = G w - c
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    for (let j = 0; j < d; j++) {
      const gjj = gram[j * d + j];
      const next = softThreshold(w[j] - g[j] / gjj, lambda / gjj);
      const delta = next - w[j];
      if (delta !== 0) { for (let a = 0; a < d; a++) g[a] += gram[a * d + j] * delta; w[j] = next; }
    }
    if (sweep % 10 === 9 && kktResidual(p, w, lambda) <= tol) return w;
  }
  throw new Error(`lassoExact: no convergence to KKT residual ${tol} in ${maxSweeps} sweeps (lambda ${lambda})`);
}

/** ISTA: w <- soft(w - eta grad, eta lambda), `steps` times from w0. */
export function ista(p: Lasso, lambda: number, eta: number, steps: number, w0?: Float64Array): Float64Array {
  if (!(eta > 0)) throw new Error(`ista: eta must be > 0, got ${eta}`);
  const w = w0 ? Float64Array.from(w0) : new Float64Array(p.d), g = new Float64Array(p.d);
  for (let k = 0; k < steps; k++) {
    smoothGradient(p, w, g);
    for (let j = 0; j < p.d; j++) w[j] = softThreshold(w[j] - eta * g[j], eta * lambda);
  }
  return w;
}

/**
 * Subgradient descent: w <- w - eta (grad + lambda sign(w)), `steps` times from w0; `onStep(k, w)` sees
 * each iterate (k = 1..steps; the buffer is reused, copy it to keep it). Returns the final iterate, the solution such a method reports.
 */
export function subgradientDescent(p: Lasso, lambda: number, eta: number, steps: number, w0?: Float64Array, onStep?: (k: number, w: Float64Array) => void): Float64Array {
  if (!(eta > 0)) throw new Error(`subgradientDescent: eta must be > 0, got ${eta}`);
  if (!(lambda >= 0)) throw new Error(`subgradientDescent: lambda must be >= 0, got ${lambda}`);
  const w = w0 ? Float64Array.from(w0) : new Float64Array(p.d), g = new Float64Array(p.d);
  for (let k = 1; k <= steps; k++) {
    smoothGradient(p, w, g);
    for (let j = 0; j < p.d; j++) w[j] -= eta * (g[j] + lambda * Math.sign(w[j]));
    onStep?.(k, w);
  }
  return w;
}
