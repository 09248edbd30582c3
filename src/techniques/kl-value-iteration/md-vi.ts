/**
 * KL-regularised approximate value iteration (mirror-descent VI; Vieillard et al. 2020, "Leverage the
 * Average"), without entropy: with pi_0 uniform and KL weight lambda,
 *   pi_{k+1} = argmax_pi <pi, q_k> - lambda KL(pi || pi_k)   i.e. pi_{k+1} ∝ pi_k exp(q_k / lambda)
 *   q_{k+1}  = r + gamma P (<pi_{k+1}, q_k> - lambda KL(pi_{k+1} || pi_k)) + eps_{k+1}
 * and unregularised AVI (pi_{k+1} greedy in q_k, q_{k+1} = r + gamma P max_a q_k + eps_{k+1}). The eps are
 * the injected estimation errors. Unrolling the policy update gives pi_{k+1} = softmax(sum_{j <= k} q_j / lambda):
 * the policy acts on the sum (average) of all past q's, so errors enter averaged; the update itself is
 * run in log space (a mirror-descent step), and the identity is checked against the direct softmax.
 */
import type { Rng } from '../../random/rng.js';
import { evaluatePolicy, expectNext, type Mdp } from './mdp.js';

/** softmax over actions of each state's row of z (S x A), stably. */
export function softmaxRows(z: ArrayLike<number>, states: number, actions: number, scale = 1): Float64Array {
  if (z.length !== states * actions) throw new Error(`softmaxRows: ${z.length} entries, expected ${states} x ${actions}`);
  const out = new Float64Array(states * actions);
  for (let s = 0; s < states; s++) {
    let mx = -Infinity;
    for (let a = 0; a < actions; a++) mx = Math.max(mx, scale * z[s * actions + a]);
    let tot = 0;
    for (let a = 0; a < actions; a++) tot += (out[s * actions + a] = Math.exp(scale * z[s * actions + a] - mx));
    for (let a = 0; a < actions; a++) out[s * actions + a] /= tot;
  }
  return out;
}

/** One value-iteration run: policy suboptimality and acted-on q-values at each checkpoint. */
export interface ViRun {
  /** mean over states of v* - v^{pi_k}, at each checkpoint k */
  suboptimality: number[];
  checkpoints: number[];
  /** the q-values the policy acts on, at each checkpoint k (pi_k's input): KL, the average of q_0..q_{k-1} (pi_k = softmax(k qbar / lambda)); AVI, q_{k-1} */
  actedOn: Float64Array[];
  /** KL runs: max |pi_K - softmax(sum_{j<K} q_j / lambda)| over (s, a) */
  identityError?: number;
}

/** Settings of a value-iteration run: iteration count, evaluation checkpoints, error sd, random stream and optional shared errors. */
export interface ViOptions {
  iterations: number;
  /** the iterations k at which pi_k is evaluated */
  checkpoints: number[];
  /** sd of the Gaussian errors added to each q_{k+1}(s, a) */
  noise: number;
  rng: Rng;
  /** a shared error sequence (iterations x S x A), to pair runs; drawn from rng otherwise */
  errors?: Float64Array;
}

function checkOptions(fn: string, m: Mdp, o: ViOptions): void {
  if (!(Number.isInteger(o.iterations) && o.iterations >= 1)) throw new Error(`${fn}: iterations must be a positive integer, got ${o.iterations}`);
  if (o.checkpoints.some((k) => !(Number.isInteger(k) && k >= 1 && k <= o.iterations))) throw new Error(`${fn}: checkpoints must be integers in [1, iterations]`);
  if (!(o.noise >= 0)) throw new Error(`${fn}: noise must be >= 0, got ${o.noise}`);
  if (o.errors && o.errors.length !== o.iterations * m.states * m.actions) throw new Error(`${fn}: errors must hold iterations x S x A values`);
}

/** The injected errors for `iterations` steps: iid N(0, noise^2) per (k, s, a). */
export function drawErrors(m: Mdp, iterations: number, noise: number, rng: Rng): Float64Array {
  const e = new Float64Array(iterations * m.states * m.actions);
  for (let i = 0; i < e.length; i++) e[i] = noise * rng.normal();
  return e;
}

function suboptimalityOf(m: Mdp, vStar: Float64Array, pi: Float64Array): number {
  const v = evaluatePolicy(m, pi);
  let s = 0;
  for (let i = 0; i < m.states; i++) s += vStar[i] - v[i];
  return s / m.states;
}

/** KL-regularised AVI (MD-VI) with KL weight lambda. */
export function klValueIteration(m: Mdp, vStar: Float64Array, lambda: number, o: ViOptions): ViRun {
  checkOptions('klValueIteration', m, o);
  if (!(lambda > 0)) throw new Error(`klValueIteration: lambda must be > 0, got ${lambda}`);
  const { states: S, actions: A, gamma } = m;
  const errors = o.errors ?? drawErrors(m, o.iterations, o.noise, o.rng);
  let q = new Float64Array(S * A); // q_0 = 0
  const sumQ = new Float64Array(S * A);
  let logPi = new Float64Array(S * A).fill(-Math.log(A)); // pi_0 uniform
  const out: ViRun = { suboptimality: [], checkpoints: [], actedOn: [] };
  for (let k = 0; k < o.iterations; k++) {
    // policy step: log pi_{k+1} = log pi_k + q_k / lambda - log normaliser
    const next = new Float64Array(S * A);
    for (let s = 0; s < S; s++) {
      let mx = -Infinity;
      for (let a = 0; a < A; a++) mx = Math.max(mx, (next[s * A + a] = logPi[s * A + a] + q[s * A + a] / lambda));
      let tot = 0;
      for (let a = 0; a < A; a++) tot += Math.exp(next[s * A + a] - mx);
      const lz = mx + Math.log(tot);
      for (let a = 0; a < A; a++) next[s * A + a] -= lz;
    }
    for (let i = 0; i < S * A; i++) sumQ[i] += q[i];
    // evaluation step: <pi_{k+1}, q_k> - lambda KL(pi_{k+1} || pi_k) per state
    const v = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      let val = 0;
      for (let a = 0; a < A; a++) {
        const i = s * A + a, p = Math.exp(next[i]);
        if (p > 0) val += p * (q[i] - lambda * (next[i] - logPi[i]));
      }
      v[s] = val;
    }
    logPi = next;
    const pv = expectNext(m, v);
    const e = errors.subarray(k * S * A, (k + 1) * S * A);
    q = new Float64Array(S * A);
    for (let i = 0; i < S * A; i++) q[i] = m.reward[i] + gamma * pv[i] + e[i];
    const iter = k + 1; // logPi is now pi_{k+1}
    if (o.checkpoints.includes(iter)) {
      out.checkpoints.push(iter);
      out.suboptimality.push(suboptimalityOf(m, vStar, logPi.map(Math.exp)));
      out.actedOn.push(sumQ.map((v) => v / iter));
    }
  }
  const direct = softmaxRows(sumQ, S, A, 1 / lambda);
  out.identityError = Math.max(...direct.map((p, i) => Math.abs(p - Math.exp(logPi[i]))));
  return out;
}

/** Unregularised AVI: greedy policy (first maximiser), q_{k+1} = r + gamma P max_a q_k + eps. */
export function approximateValueIteration(m: Mdp, vStar: Float64Array, o: ViOptions): ViRun {
  checkOptions('approximateValueIteration', m, o);
  const { states: S, actions: A, gamma } = m;
  const errors = o.errors ?? drawErrors(m, o.iterations, o.noise, o.rng);
  let q = new Float64Array(S * A);
  const out: ViRun = { suboptimality: [], checkpoints: [], actedOn: [] };
  for (let k = 0; k < o.iterations; k++) {
    const acted = q;
    const pi = new Float64Array(S * A);
    const v = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      let best = 0;
      for (let a = 1; a < A; a++) if (q[s * A + a] > q[s * A + best]) best = a;
      pi[s * A + best] = 1;
      v[s] = q[s * A + best];
    }
    const pv = expectNext(m, v);
    const e = errors.subarray(k * S * A, (k + 1) * S * A);
    q = new Float64Array(S * A);
    for (let i = 0; i < S * A; i++) q[i] = m.reward[i] + gamma * pv[i] + e[i];
    if (o.checkpoints.includes(k + 1)) {
      out.checkpoints.push(k + 1);
      out.suboptimality.push(suboptimalityOf(m, vStar, pi));
      out.actedOn.push(acted);
    }
  }
  return out;
}
