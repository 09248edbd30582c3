/**
 * Exact tabular MDPs: random "Garnet" MDPs, the optimal q-function by value iteration, and exact policy
 * evaluation by solving (I - gamma P_pi) v = r_pi (LU with partial pivoting).
 */
import { solveDense } from '../../linalg/dense.js';
import type { Rng } from '../../random/rng.js';

/** A finite MDP with S states, A actions and discount `gamma` in [0, 1); rewards and transitions as flat row-major arrays. */
export interface Mdp {
  states: number;
  actions: number;
  gamma: number;
  /** r[s * A + a] */
  reward: Float64Array;
  /** P[(s * A + a) * S + s'] */
  transition: Float64Array;
}

/**
 * A Garnet MDP (Archibald et al. 1995; the random MDPs of the KL-regularisation literature): each (s, a)
 * moves to `branching` distinct random next states with probabilities from uniform cuts of [0, 1];
 * rewards uniform on [0, 1].
 */
export function garnet(states: number, actions: number, branching: number, gamma: number, rng: Rng): Mdp {
  if (!(Number.isInteger(states) && states > 1)) throw new Error(`garnet: states must be an integer > 1, got ${states}`);
  if (!(Number.isInteger(actions) && actions > 1)) throw new Error(`garnet: actions must be an integer > 1, got ${actions}`);
  if (!(Number.isInteger(branching) && branching >= 1 && branching <= states)) throw new Error(`garnet: branching must be an integer in [1, states], got ${branching}`);
  if (!(gamma >= 0 && gamma < 1)) throw new Error(`garnet: gamma must be in [0, 1), got ${gamma}`);
  const reward = new Float64Array(states * actions);
  const transition = new Float64Array(states * actions * states);
  for (let sa = 0; sa < states * actions; sa++) {
    reward[sa] = rng.uniform();
    const next = rng.permutation(states).subarray(0, branching);
    const cuts = [0, ...Array.from({ length: branching - 1 }, () => rng.uniform()).sort((a, b) => a - b), 1];
    for (let b = 0; b < branching; b++) transition[sa * states + next[b]] += cuts[b + 1] - cuts[b];
  }
  return { states, actions, gamma, reward, transition };
}

/** (P v)(s, a) = sum_s' P(s' | s, a) v(s') */
export function expectNext(m: Mdp, v: ArrayLike<number>): Float64Array {
  const { states: S, actions: A } = m;
  if (v.length !== S) throw new Error(`expectNext: v has ${v.length} entries, expected ${S}`);
  const out = new Float64Array(S * A);
  for (let sa = 0; sa < S * A; sa++) {
    let e = 0;
    const o = sa * S;
    for (let t = 0; t < S; t++) e += m.transition[o + t] * v[t];
    out[sa] = e;
  }
  return out;
}

/** q* by value iteration until the Bellman residual is below tol. */
export function optimalQ(m: Mdp, tol = 1e-12): Float64Array {
  const { states: S, actions: A } = m;
  let q = new Float64Array(S * A);
  for (let it = 0; it < 100000; it++) {
    const v = new Float64Array(S);
    for (let s = 0; s < S; s++) { let best = -Infinity; for (let a = 0; a < A; a++) best = Math.max(best, q[s * A + a]); v[s] = best; }
    const pv = expectNext(m, v);
    let diff = 0;
    const next = new Float64Array(S * A);
    for (let sa = 0; sa < S * A; sa++) { next[sa] = m.reward[sa] + m.gamma * pv[sa]; diff = Math.max(diff, Math.abs(next[sa] - q[sa])); }
    q = next;
    if (diff < tol) return q;
  }
  throw new Error('optimalQ: value iteration did not converge');
}

/** v^pi exactly: (I - gamma P_pi)^{-1} r_pi for a stochastic policy pi[s * A + a]. */
export function evaluatePolicy(m: Mdp, pi: ArrayLike<number>): Float64Array {
  const { states: S, actions: A } = m;
  if (pi.length !== S * A) throw new Error(`evaluatePolicy: policy has ${pi.length} entries, expected ${S * A}`);
  const mat = new Float64Array(S * S);
  const r = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    mat[s * S + s] += 1;
    for (let a = 0; a < A; a++) {
      const p = pi[s * A + a];
      if (p === 0) continue;
      r[s] += p * m.reward[s * A + a];
      const o = (s * A + a) * S;
      for (let t = 0; t < S; t++) mat[s * S + t] -= m.gamma * p * m.transition[o + t];
    }
  }
  return solveDense(mat, r, S);
}
