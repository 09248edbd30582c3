/**
 * The reusable-holdout demonstration (Dwork et al. 2015, Science): d features N(0, 1), labels uniform
 * +-1 and independent of them (no signal: every classifier's true accuracy is exactly 1/2). The analyst
 * selects features whose correlation with the label exceeds 1/sqrt(n) on the training set and, as
 * reported by the holdout mechanism, on the holdout, with the same sign; keeps the k largest by training
 * correlation; classifies by sign(sum_j sign(w_j) x_j); and asks the holdout mechanism for its accuracy.
 * With the holdout reused through empirical answers the reported accuracy climbs above 1/2; Thresholdout
 * should keep it near 1/2.
 */
import type { Rng } from '../../random/rng.js';
import { empiricalMean, Thresholdout, type ThresholdoutOptions } from './mechanisms.js';

/** One mechanism's results in `holdoutReuse`, each array indexed like `ks`; accuracies are fractions in [0, 1]. */
export interface ReuseResult {
  /** number of features used, per k */
  used: number[];
  trainAccuracy: number[];
  /** holdout accuracy as the mechanism reports it */
  reportedAccuracy: number[];
  /** accuracy on a fresh sample of the same size (true accuracy 1/2) */
  freshAccuracy: number[];
  /** Thresholdout's overfitting events (0 for empirical reuse) */
  overfits: number;
}

function sample(n: number, d: number, rng: Rng): { x: Float64Array; y: Float64Array } {
  const x = new Float64Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const y = Float64Array.from({ length: n }, () => (rng.uniform() < 0.5 ? -1 : 1));
  return { x, y };
}

/** per-feature correlations (1/n) sum_i x_ij y_i, as the per-sample values of d statistical queries */
function correlations(x: Float64Array, y: Float64Array, n: number, d: number): Float64Array {
  const w = new Float64Array(d);
  for (let i = 0; i < n; i++) { const yi = y[i], o = i * d; for (let j = 0; j < d; j++) w[j] += x[o + j] * yi; }
  for (let j = 0; j < d; j++) w[j] /= n;
  return w;
}

function accuracy(x: Float64Array, y: Float64Array, n: number, d: number, feats: number[], signs: number[]): Float64Array {
  const correct = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let f = 0; f < feats.length; f++) s += signs[f] * x[i * d + feats[f]];
    correct[i] = (s > 0 ? 1 : s < 0 ? -1 : 0) === y[i] ? 1 : 0;
  }
  return correct;
}

/** How the holdout is queried: plain holdout means ('empirical') or through Thresholdout with the given options. */
export type ReuseMechanism = { kind: 'empirical' } | { kind: 'thresholdout'; options: ThresholdoutOptions };

/**
 * One run of the demonstration on one draw of training, holdout and fresh data, once per mechanism (so
 * mechanisms are paired): 'empirical' answers holdout queries with holdout means, 'thresholdout' through
 * Thresholdout.
 */
export function holdoutReuse(n: number, d: number, ks: number[], mechanisms: ReuseMechanism[], rng: Rng): ReuseResult[] {
  if (!(Number.isInteger(n) && n > 1 && Number.isInteger(d) && d > 0)) throw new Error(`holdoutReuse: n and d must be positive integers, got n = ${n}, d = ${d}`);
  if (!ks.every((k) => Number.isInteger(k) && k > 0)) throw new Error('holdoutReuse: ks must be positive integers');
  const train = sample(n, d, rng.fork('train')), hold = sample(n, d, rng.fork('holdout')), fresh = sample(n, d, rng.fork('fresh'));
  const wt = correlations(train.x, train.y, n, d), wh = correlations(hold.x, hold.y, n, d);
  const cut = 1 / Math.sqrt(n);
  return mechanisms.map((mechanism, mi) => {
    const mech = mechanism.kind === 'thresholdout' ? new Thresholdout(mechanism.options, rng.fork(`thresholdout ${mi}`)) : null;
    const ask = (trainMean: number, holdMean: number) => (mech ? mech.answer(trainMean, holdMean) : holdMean);
    const candidates: number[] = [];
    for (let j = 0; j < d; j++) {
      const h = ask(wt[j], wh[j]);
      if (Math.abs(wt[j]) > cut && Math.abs(h) > cut && Math.sign(h) === Math.sign(wt[j])) candidates.push(j);
    }
    candidates.sort((a, b) => Math.abs(wt[b]) - Math.abs(wt[a]));
    const out: ReuseResult = { used: [], trainAccuracy: [], reportedAccuracy: [], freshAccuracy: [], overfits: 0 };
    for (const k of ks) {
      const feats = candidates.slice(0, k);
      const signs = feats.map((j) => Math.sign(wt[j]));
      const tr = empiricalMean(accuracy(train.x, train.y, n, d, feats, signs));
      out.used.push(feats.length);
      out.trainAccuracy.push(tr);
      out.reportedAccuracy.push(ask(tr, empiricalMean(accuracy(hold.x, hold.y, n, d, feats, signs))));
      out.freshAccuracy.push(empiricalMean(accuracy(fresh.x, fresh.y, n, d, feats, signs)));
    }
    out.overfits = mech?.overfits ?? 0;
    return out;
  });
}
