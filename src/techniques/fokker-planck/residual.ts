/**
 * The score Fokker-Planck equation (Lai et al. 2023; Deveney et al. 2023): for the forward SDE
 * dx = f(t) x dt + g(t) dW, log p_t solves d/dt log p = -d f - f x . grad log p + (g^2/2)(Laplacian log p
 * + |grad log p|^2), so its gradient, the score s, solves
 *   d s/dt = grad_x phi,  phi(x, t) = (g^2/2)(div s + |s|^2) - f x . s.
 * A learned score need not: its residual r = ds/dt - grad phi is what Deveney et al. bound the ODE-SDE
 * gap by. Derivatives here are central differences (x step h, t step k): the residual of any score model,
 * a network or a closed form, with no second-order autodiff.
 */
import type { NoisingProcess } from '../diffusion/process.js';
import type { TimeScore } from '../diffusion/samplers.js';

/** Finite-difference steps of {@link scoreFpResidual}. */
export interface ResidualSteps {
  /** space step (default 1e-3) */
  h?: number;
  /** time step (default 1e-4) */
  k?: number;
}

/**
 * The residual r = ds/dt - grad phi at the n x d points x (row-major) and time t, n x d, with the parts it
 * is the difference of (for a relative size).
 */
export function scoreFpResidual(process: NoisingProcess, score: TimeScore, x: Float64Array, t: number, d: number, steps: ResidualSteps = {}): { residual: Float64Array; dsdt: Float64Array; gradPhi: Float64Array } {
  const [h, k] = [steps.h ?? 1e-3, steps.k ?? 1e-4];
  const n = x.length / d;
  if (!(Number.isInteger(n) && Number.isInteger(d) && d >= 1)) throw new Error(`scoreFpResidual: x has ${x.length} values, not a multiple of d = ${d}`);
  if (!(h > 0 && k > 0 && t - k >= 0 && t + k <= 1)) throw new Error(`scoreFpResidual: need h, k > 0 and [t - k, t + k] inside [0, 1], got h=${h}, k=${k}, t=${t}`);
  const shifted = (j: number, by: number) => x.map((v, q) => (q % d === j ? v + by : v));
  const phi = (y: Float64Array) => {
    const s = score(y, t);
    const div = new Float64Array(n);
    for (let j = 0; j < d; j++) {
      const [up, down] = [score(y.map((v, q) => (q % d === j ? v + h : v)), t), score(y.map((v, q) => (q % d === j ? v - h : v)), t)];
      for (let i = 0; i < n; i++) div[i] += (up[i * d + j] - down[i * d + j]) / (2 * h);
    }
    const [half, f] = [process.g2(t) / 2, process.f(t)];
    return Float64Array.from({ length: n }, (_, i) => {
      let [sq, xs] = [0, 0];
      for (let j = 0; j < d; j++) [sq, xs] = [sq + s[i * d + j] ** 2, xs + y[i * d + j] * s[i * d + j]];
      return half * (div[i] + sq) - f * xs;
    });
  };
  const [later, earlier] = [score(x, t + k), score(x, t - k)];
  const dsdt = later.map((v, q) => (v - earlier[q]) / (2 * k));
  const gradPhi = new Float64Array(x.length);
  for (let j = 0; j < d; j++) {
    const [up, down] = [phi(shifted(j, h)), phi(shifted(j, -h))];
    for (let i = 0; i < n; i++) gradPhi[i * d + j] = (up[i] - down[i]) / (2 * h);
  }
  return { residual: dsdt.map((v, q) => v - gradPhi[q]), dsdt, gradPhi };
}
