/**
 * Exact curvature quantities and steps on a symmetric operator, moved out of claims C3 and C4: the
 * exact trace of an operator (from unit-vector products) and one damped Newton / Gauss-Newton step
 * (CG-solved direction with an Armijo backtracking line search, Martens' truncated Newton).
 */
import { type SymmetricOperator } from './operator.js';
import { backtracking, conjugateGradient } from './solve.js';

/** The exact trace: the sum of e_i . A e_i over all coordinates (dim products). */
export function exactTrace(op: SymmetricOperator): number {
  let t = 0;
  const e = new Float64Array(op.dim);
  for (let i = 0; i < op.dim; i++) {
    e[i] = 1;
    t += op.apply(e)[i];
    e[i] = 0;
  }
  return t;
}

/** Settings of the inner conjugate-gradient solve: damping, maximum iterations and relative residual tolerance. */
export interface NewtonCgOptions {
  /** added to the operator: solves (A + damping I) d = -g */
  damping: number;
  maxIter: number;
  tol: number;
}

/** The outcome of one `newtonCgStep`: new point and objective, accepted step size, search direction and costs. */
export interface NewtonCgStep {
  /** the new point (the old one when the line search found no decrease) */
  theta: Float64Array;
  /** the objective there */
  value: number;
  /** the accepted step along the direction (1, 1/2, ...; 0: none) */
  step: number;
  direction: Float64Array;
  cgIterations: number;
  /** objective evaluations spent by the line search */
  evaluations: number;
}

/**
 * One damped Newton (Gauss-Newton) step from theta: d solves (A + damping I) d = -grad by conjugate
 * gradient, then the Armijo backtracking step along d on `valueAt`.
 */
export function newtonCgStep(a: SymmetricOperator, theta: Float64Array, value: number, grad: Float64Array, valueAt: (theta: Float64Array) => number, opts: NewtonCgOptions): NewtonCgStep {
  const neg = grad.map((g) => -g);
  const cg = conjugateGradient(a, neg, { damping: opts.damping, maxIter: opts.maxIter, tol: opts.tol });
  const slope = cg.x.reduce((s, d, i) => s + d * grad[i], 0);
  const ls = backtracking((t) => valueAt(theta.map((v, i) => v + t * cg.x[i])), value, slope);
  return {
    theta: ls.step > 0 ? theta.map((v, i) => v + ls.step * cg.x[i]) : theta,
    value: ls.step > 0 ? ls.value : value,
    step: ls.step, direction: cg.x, cgIterations: cg.iterations, evaluations: ls.evaluations,
  };
}
