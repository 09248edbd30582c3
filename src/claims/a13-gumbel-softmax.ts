/**
 * A13. Categorical reparameterization with Gumbel-softmax (Jang, Gu & Poole 2017): the Gumbel-softmax
 * estimator of the gradient of E_z f(z), z categorical, has much lower variance than the
 * score-function (REINFORCE) estimator; it is biased, and the bias vanishes as the temperature -> 0.
 *
 * Setting: the paper's estimators on a discrete latent toy objective where the gradient is known
 * exactly: logits theta ~ N(0, I_k), f(z) = ||z - t||^2 with t ~ U(0, 1)^k, z one-hot (relaxed for
 * Gumbel-softmax). Per seed, N Gumbel draws are shared by all estimators; variance is the trace of the
 * per-sample gradients' covariance, bias the distance of their mean from the exact gradient (with the
 * Monte Carlo part tr(Cov)/N taken out of its square).
 */
import * as tf from '@tensorflow/tfjs';
import { lineFigure, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { formatInterval, mean, pairedT, tInterval } from '../stats/bootstrap.js';
import {
  exactCategoricalGradient, gumbelNoise, gumbelSoftmaxGradients, scoreFunctionGradients, scoreFunctionGradientsLoo, type CategoryObjective,
} from '../techniques/discrete-gradients/index.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface A13Params extends BaseParams {
  /** number of categories */
  k: number;
  /** Monte Carlo samples per estimator */
  samples: number;
  temperatures: number[];
  /** the temperature the variance verdict is read at (the paper anneals from 1 to 0.5) */
  verdictTemperature: number;
}

type Row = ClaimResult['rows'][number];

interface Moments {
  /** trace of the per-sample gradients' covariance */
  variance: number;
  /** |mean - exact|^2 - variance / N: the squared bias with the Monte Carlo part removed */
  bias2: number;
}

export interface A13Seed {
  rows: Row[];
  gradientNorm: number;
  sf: Moments;
  sfLoo: Moments;
  /** aligned with temperatures */
  gs: Moments[];
}

function moments(g: tf.Tensor2D, exact: tf.Tensor1D): Moments {
  return tf.tidy(() => {
    const variance = tf.sum(tf.moments(g, 0).variance).dataSync()[0];
    const dist2 = tf.sum(tf.square(tf.sub(tf.mean(g, 0), exact))).dataSync()[0];
    return { variance, bias2: dist2 - variance / g.shape[0] };
  });
}

export function seedA13(p: A13Params, seed: number): A13Seed {
  const rng = new Rng(seed);
  const problem = rng.fork('problem');
  const logits = tf.tensor1d(Array.from({ length: p.k }, () => problem.normal()));
  const target = tf.tensor1d(Array.from({ length: p.k }, () => problem.uniform()));
  const noise = gumbelNoise([p.samples, p.k], rng.fork('gumbel')) as tf.Tensor2D;
  const f: CategoryObjective = (z) => tf.sum(tf.square(tf.sub(z, target)), -1);
  const exact = exactCategoricalGradient(f, logits);
  const measure = (grads: tf.Tensor2D): Moments => {
    try {
      return moments(grads, exact);
    } finally {
      grads.dispose();
    }
  };
  try {
    const gradientNorm = tf.tidy(() => tf.norm(exact).dataSync()[0]);
    const sf = measure(scoreFunctionGradients(f, logits, noise));
    const sfLoo = measure(scoreFunctionGradientsLoo(f, logits, noise));
    const gs = p.temperatures.map((tau) => measure(gumbelSoftmaxGradients(f, logits, tau, noise)));
    const row = (estimator: string, tau: number | null, m: Moments): Row => ({
      seed, estimator, temperature: tau, variance: m.variance, relativeBias: Math.sqrt(Math.max(m.bias2, 0)) / gradientNorm, gradientNorm,
    });
    const rows = [row('score function', null, sf), row('score function, leave-one-out baseline', null, sfLoo), ...gs.map((m, i) => row('Gumbel-softmax', p.temperatures[i], m))];
    return { rows, gradientNorm, sf, sfLoo, gs };
  } finally {
    tf.dispose([logits, target, noise, exact]);
  }
}

const relBias = (s: A13Seed, m: Moments) => Math.sqrt(Math.max(m.bias2, 0)) / s.gradientNorm;

export function summarizeA13(p: A13Params, perSeed: A13Seed[]): ClaimResult {
  const at = p.temperatures.indexOf(p.verdictTemperature);
  if (at < 0) throw new Error(`A13: verdictTemperature ${p.verdictTemperature} is not in temperatures [${p.temperatures}]`);
  const logRatio = (of: (s: A13Seed) => Moments) => tInterval(perSeed.map((s) => Math.log(s.gs[at].variance / of(s).variance)));
  const vsSf = logRatio((s) => s.sf);
  const vsLoo = logRatio((s) => s.sfLoo);
  const coldest = p.temperatures.indexOf(Math.min(...p.temperatures));
  const hottest = p.temperatures.indexOf(Math.max(...p.temperatures));
  const biasDrop = pairedT(perSeed.map((s) => relBias(s, s.gs[hottest])), perSeed.map((s) => relBias(s, s.gs[coldest])));
  const biasCold = mean(perSeed.map((s) => relBias(s, s.gs[coldest])));
  const biasHot = mean(perSeed.map((s) => relBias(s, s.gs[hottest])));
  const exp = (ci: { mean: number; lo: number; hi: number }) => ({ mean: Math.exp(ci.mean), lo: Math.exp(ci.lo), hi: Math.exp(ci.hi) });
  const [r, rl] = [exp(vsSf), exp(vsLoo)];
  const [tc, th] = [p.temperatures[coldest], p.temperatures[hottest]];
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: {
      status: vsSf.hi < 0 && biasDrop.lo > 0 ? 'reproduced' : 'not reproduced',
      summary: `variance of Gumbel-softmax at tau=${p.verdictTemperature} / score function: ${formatInterval({ ...r, n: perSeed.length, level: 0.95 }, 3)} ` +
        `(/ score function with a leave-one-out baseline: ${formatInterval({ ...rl, n: perSeed.length, level: 0.95 }, 3)}); relative bias ${biasHot.toFixed(3)} at tau=${th} ` +
        `falls to ${biasCold.toFixed(3)} at tau=${tc}, drop ${formatInterval(biasDrop, 3)}`,
      numbers: {
        ratio: r.mean, ratioLo: r.lo, ratioHi: r.hi, ratioLoo: rl.mean, ratioLooLo: rl.lo, ratioLooHi: rl.hi,
        biasHot, biasCold, biasDrop: biasDrop.mean, biasDropLo: biasDrop.lo, seeds: perSeed.length,
      },
    },
    figures: figuresA13(p, perSeed),
  };
}

function figuresA13(p: A13Params, perSeed: A13Seed[]): Figure[] {
  const geo = (f: (s: A13Seed) => number) => Math.exp(mean(perSeed.map((s) => Math.log(f(s)))));
  const flat = (f: (s: A13Seed) => number) => p.temperatures.map(() => geo(f));
  return [
    lineFigure('Gradient variance vs temperature (trace of the covariance, geometric mean over seeds)', 'temperature tau', 'variance', [
      { name: 'Gumbel-softmax', x: p.temperatures, y: p.temperatures.map((_, i) => geo((s) => s.gs[i].variance)), mode: 'lines+markers' },
      { name: 'score function (REINFORCE)', x: p.temperatures, y: flat((s) => s.sf.variance) },
      { name: 'score function, leave-one-out baseline', x: p.temperatures, y: flat((s) => s.sfLoo.variance) },
    ], { logX: true, logY: true }),
    lineFigure('Bias of Gumbel-softmax vs temperature (|E g - grad| / |grad|, mean over seeds)', 'temperature tau', 'relative bias', [
      { name: 'Gumbel-softmax', x: p.temperatures, y: p.temperatures.map((_, i) => mean(perSeed.map((s) => relBias(s, s.gs[i])))), mode: 'lines+markers' },
    ], { logX: true }),
  ];
}

const common = { k: 8, temperatures: [0.05, 0.1, 0.2, 0.5, 1, 2], verdictTemperature: 0.5 };

export const claim = defineClaim<A13Params, A13Seed>({
  id: 'A13',
  slug: 'gumbel-softmax',
  paper: 'Categorical Reparameterization with Gumbel-Softmax (Jang, Gu & Poole 2017)',
  claim: 'the Gumbel-softmax estimator has much lower gradient variance than the score-function (REINFORCE) estimator; its bias vanishes as the temperature goes to 0',
  setting: '8 categories, logits ~ N(0, I), f(z) = ||z - t||^2 with t ~ U(0, 1)^8 (exact gradient known); Gumbel-softmax at tau = 0.05-2 vs score function ' +
    '(plain, and with a leave-one-out baseline) on the same Gumbel draws',
  rule: 'variance ratio Gumbel-softmax / score function at tau = 0.5 with 95% CI below 1 (t-interval of the log ratio over seeds); ' +
    'relative bias lower at the smallest tau than at the largest (paired CI above 0)',
  scales: {
    smoke: { seeds: [1, 2], ...common, samples: 2000 },
    ci: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, samples: 20000 },
    full: { seeds: Array.from({ length: 20 }, (_, i) => i + 1), ...common, samples: 200000 },
  },
  seed: seedA13,
  summarize: summarizeA13,
});
