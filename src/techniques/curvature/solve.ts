/**
 * Curvature-aware steps on top of the product: conjugate gradient for (A + damping I) x = b, with A a
 * symmetric positive semi-definite operator (Gauss-Newton, or the Hessian of a convex loss), and the
 * truncated-Newton direction it gives (Martens' Hessian-free optimisation; exact Gauss-Newton).
 */
import { axpy, dot, type SymmetricOperator } from './operator.js';

/** The result of `conjugateGradient`: the solution, the iterations (operator products) used and the final relative residual. */
export interface CgResult {
  x: Float64Array;
  iterations: number;
  /** final ||r|| / ||b|| */
  relResidual: number;
}

/** Solves (A + damping I) x = b from x = 0 until ||r|| <= tol ||b|| or maxIter products. */
export function conjugateGradient(a: SymmetricOperator, b: Float64Array, opts: { damping?: number; maxIter?: number; tol?: number } = {}): CgResult {
  const damping = opts.damping ?? 0;
  const maxIter = opts.maxIter ?? a.dim;
  const tol = opts.tol ?? 1e-6;
  const x = new Float64Array(a.dim);
  const r = Float64Array.from(b);
  const p = Float64Array.from(b);
  const bNorm = Math.sqrt(dot(b, b)) || 1;
  let rr = dot(r, r);
  let it = 0;
  while (it < maxIter && Math.sqrt(rr) > tol * bNorm) {
    const ap = a.apply(p);
    if (damping) axpy(damping, p, ap);
    const pAp = dot(p, ap);
    if (!(pAp > 0)) break; // not positive definite along p: keep what we have
    const alpha = rr / pAp;
    axpy(alpha, p, x);
    axpy(-alpha, ap, r);
    const rrNew = dot(r, r);
    const beta = rrNew / rr;
    for (let i = 0; i < p.length; i++) p[i] = r[i] + beta * p[i];
    rr = rrNew;
    it++;
  }
  return { x, iterations: it, relResidual: Math.sqrt(rr) / bNorm };
}

/**
 * Backtracking (Armijo) line search along a descent direction d: the largest step 1, 1/2, 1/4, ... with
 * f(x + t d) <= f(x) + c t g.d. Returns the step (0 when none of `maxHalvings` steps decreases f enough).
 */
export function backtracking(f: (t: number) => number, f0: number, slope: number, opts: { c?: number; maxHalvings?: number; start?: number } = {}): { step: number; value: number; evaluations: number } {
  const c = opts.c ?? 1e-4;
  let t = opts.start ?? 1;
  for (let i = 0; i < (opts.maxHalvings ?? 30); i++, t /= 2) {
    const v = f(t);
    if (Number.isFinite(v) && v <= f0 + c * t * slope) return { step: t, value: v, evaluations: i + 1 };
  }
  return { step: 0, value: f0, evaluations: opts.maxHalvings ?? 30 };
}
