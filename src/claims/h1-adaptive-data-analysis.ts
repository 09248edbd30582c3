/**
 * H1. Preserving Statistical Validity in Adaptive Data Analysis (Dwork, Feldman, Hardt, Pitassi,
 * Reingold & Roth 2015), with its companion demonstration "The reusable holdout" (Science 2015): answers
 * to adaptively chosen statistical queries computed as empirical means overfit the sample once the
 * number of queries approaches n, while perturbed answers (noise; Thresholdout) stay valid for more.
 *
 * Two parts, both exact in their truth (every query's true expectation is known exactly):
 * - Query stream (src/techniques/adaptive-analysis/query-stream.ts): n points uniform on {-1, 1}^D; the
 *   analyst alternates coordinate queries (true mean 1/2) and an aggregate query built from the signs of
 *   all earlier answers (true mean 1/2 by symmetry), 4n queries in all. Answers: empirical means, or
 *   empirical means plus N(0, 1/n) noise (noise sd twice the largest sampling sd of a [0, 1] mean). The
 *   error of a stream is max |answer - 1/2| over its queries so far. This noise is not set from a privacy
 *   target: as a Gaussian mechanism (sensitivity 1/n) it spends zCDP rho = 1/(2n) per query, rho = 2 over 4n
 *   queries (epsilon ~ 12 at delta = 1e-6), too loose for the paper's transfer theorem to promise validity;
 *   the attack's drift with noise is Phi(sqrt(2t / (pi n (1 + 4 n sd^2)))) - 1/2, so it is slowed, not stopped.
 *   The noisy arm is therefore judged on its own validity too: its aggregate error must not grow with the
 *   number of queries, and its max error must match the non-adaptive max (that of 4n independent answers
 *   with the same noise), which a constant answer 1/2 would miss.
 * - Holdout reuse (holdout-reuse.ts), the Science paper's demonstration: d Gaussian features, labels
 *   independent of them (true accuracy of any classifier 1/2), feature selection on training and holdout
 *   correlations, a sign classifier on the top k, its holdout accuracy as reported by the mechanism:
 *   the empirical holdout, or Thresholdout with the paper's T = 4/sqrt(n), sigma = 1/sqrt(n) and a budget
 *   that never binds. Training, holdout and fresh data are shared by both mechanisms (paired).
 */
import { barFigure, lineFigure, seedBar, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { mean, tInterval } from '../stats/bootstrap.js';
import { normalCdf } from '../stats/distributions.js';
import { slope } from '../stats/regression.js';
import { adaptiveQueryStream, empiricalMean, holdoutReuse, noisyMean, Thresholdout } from '../techniques/adaptive-analysis/index.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface H1Params extends BaseParams {
  /** sample size of the query stream */
  n: number;
  /** coordinates the stream runs through (2 queries each), and the coordinate counts it is read at */
  coordinates: number;
  checkpoints: number[];
  /** training = holdout = fresh sample size of the reuse demonstration, and its feature count */
  reuseN: number;
  reuseD: number;
  /** numbers of selected features */
  ks: number[];
}

/** The smallest effect that counts, in answer units (means of [0, 1]-valued queries; accuracies). */
const SMALLEST = 0.02;
/** Thresholdout's reported accuracy must lie within this of the truth 1/2. */
const REUSE_MARGIN = 0.03;

export interface H1Seed {
  queries: number[];
  maxError: Record<string, number[]>;
  aggregateError: Record<string, number[]>;
  /** per mechanism and k */
  reported: Record<string, number[]>;
  fresh: Record<string, number[]>;
  train: Record<string, number[]>;
  used: Record<string, number[]>;
  overfits: number;
}

export function seedH1(p: H1Params, seed: number): H1Seed {
  const rng = new Rng(seed);
  // both answerers see the same data stream (same fork), so the arms are paired
  const emp = adaptiveQueryStream(p.n, p.coordinates, p.checkpoints, empiricalMean, rng.fork('stream'));
  const noise = rng.fork('answer noise');
  const nsy = adaptiveQueryStream(p.n, p.coordinates, p.checkpoints, (v) => noisyMean(v, 1 / Math.sqrt(p.n), noise), rng.fork('stream'));
  const [re, th] = holdoutReuse(p.reuseN, p.reuseD, p.ks, [
    { kind: 'empirical' },
    { kind: 'thresholdout', options: { threshold: 4 / Math.sqrt(p.reuseN), sigma: 1 / Math.sqrt(p.reuseN), budget: p.reuseD + p.ks.length } },
  ], rng.fork('reuse'));
  return {
    queries: emp.queries,
    maxError: { empirical: emp.maxError, noisy: nsy.maxError },
    aggregateError: { empirical: emp.aggregateError, noisy: nsy.aggregateError },
    reported: { empirical: re.reportedAccuracy, thresholdout: th.reportedAccuracy },
    fresh: { empirical: re.freshAccuracy, thresholdout: th.freshAccuracy },
    train: { empirical: re.trainAccuracy, thresholdout: th.trainAccuracy },
    used: { empirical: re.used, thresholdout: th.used },
    overfits: th.overfits,
  };
}

/** The attack's prediction for empirical answers: the aggregate over t coordinates has mean Phi(sqrt(2t/(pi n))). */
export const attackPrediction = (t: number, n: number) => normalCdf(Math.sqrt((2 * t) / (Math.PI * n))) - 0.5;

/** The attack's prediction with N(0, sd^2) answer noise: the signs see sampling error 1/(4n) of 1/(4n) + sd^2. */
export const noisyAttackPrediction = (t: number, n: number, sd: number) => attackPrediction(t, n * (1 + 4 * n * sd * sd));

/** E max_{i <= K} |Z_i| for K independent N(0, v): the max error of K non-adaptive answers (numerical integral). */
export function nonAdaptiveMax(K: number, v: number): number {
  const sd = Math.sqrt(v);
  let tot = 0;
  const h = sd / 200;
  for (let x = h / 2; x < 12 * sd; x += h) tot += (1 - Math.pow(2 * normalCdf(x / sd) - 1, K)) * h;
  return tot;
}

/** Exact identities: Thresholdout's limits, and the aggregate query's true mean 1/2 by enumeration of {-1, 1}^5. */
function instrumentChecks(): { limits: number; aggregateMean: number } {
  const rng = new Rng(0);
  const never = new Thresholdout({ threshold: 1e9, sigma: 0.01, budget: 10 }, rng);
  const always = new Thresholdout({ threshold: 0, sigma: 0, budget: 10 }, rng);
  const limits = Math.max(Math.abs(never.answer(0.7, 0.2) - 0.7), Math.abs(always.answer(0.7, 0.2) - 0.2));
  const signs = [1, -1, -1, 1, 1];
  let tot = 0;
  for (let b = 0; b < 32; b++) {
    let s = 0;
    for (let j = 0; j < 5; j++) s += signs[j] * ((b >> j) & 1 ? 1 : -1);
    tot += (1 + Math.sign(s)) / 2;
  }
  return { limits, aggregateMean: tot / 32 - 0.5 };
}

export function summarizeH1(p: H1Params, perSeed: H1Seed[]): ClaimResult {
  const last = (xs: number[]) => xs[xs.length - 1];
  const Q = last(perSeed[0].queries);
  const avgOverK = (s: H1Seed, arm: string, what: 'reported' | 'fresh' | 'train') => mean(s[what][arm]) - 0.5;
  const inst = instrumentChecks();
  const sd = 1 / Math.sqrt(p.n);
  const nonAdaptive = nonAdaptiveMax(Q, 1 / (4 * p.n) + sd * sd);
  const streamPart = 'empirical answers overfit as adaptive queries accumulate; noisy answers stay closer';
  const validPart = 'noisy answers stay valid (no growth with the number of queries; max error as if the queries were not adaptive)';
  const reusePart = 'a reused holdout overfits; Thresholdout keeps the reported accuracy valid';
  return {
    rows: perSeed.flatMap((s, i) => [
      ...s.queries.map((q, j) => ({ seed: p.seeds[i], part: 'stream', queries: q, k: null, empiricalMaxError: s.maxError.empirical[j], noisyMaxError: s.maxError.noisy[j], empiricalAggregateError: s.aggregateError.empirical[j], noisyAggregateError: s.aggregateError.noisy[j] })),
      ...p.ks.map((k, j) => ({ seed: p.seeds[i], part: 'reuse', queries: null, k, empiricalReported: s.reported.empirical[j], thresholdoutReported: s.reported.thresholdout[j], fresh: s.fresh.empirical[j], train: s.train.empirical[j], usedEmpirical: s.used.empirical[j], usedThresholdout: s.used.thresholdout[j] })),
    ]),
    verdict: verdict({
      headline: 'noisyVsEmpirical',
      effects: [
        paired('noisyVsEmpirical', `max |answer - truth| over ${Q} adaptive queries (n = ${p.n}), noisy - empirical answers`, perSeed.map((s) => last(s.maxError.noisy)), perSeed.map((s) => last(s.maxError.empirical)),
          { kind: 'direction', sign: -1, smallest: SMALLEST }, { unit: 'answer error', part: streamPart }),
        meanOf('empiricalGrowth', 'slope of the aggregate query\'s error on ln(queries), empirical answers', perSeed.map((s) => slope(s.queries.map(Math.log), s.aggregateError.empirical)),
          { kind: 'direction', sign: 1, smallest: SMALLEST }, { unit: 'error per e-fold', part: streamPart }),
        meanOf('noisyGrowth', 'slope of the aggregate query\'s error on ln(queries), noisy answers', perSeed.map((s) => slope(s.queries.map(Math.log), s.aggregateError.noisy)),
          { kind: 'equivalence', margin: SMALLEST }, { unit: 'error per e-fold', part: validPart }),
        meanOf('noisyVsNonAdaptive', `max |answer - truth| over ${Q} noisy answers - the non-adaptive max ${nonAdaptive.toFixed(3)} (${Q} independent answers, sd sqrt(1/(4n) + 1/n))`, perSeed.map((s) => last(s.maxError.noisy) - nonAdaptive),
          { kind: 'equivalence', margin: SMALLEST }, { unit: 'answer error', part: validPart }),
        meanOf('noisyVsAttack', `aggregate query's error after ${Q} noisy answers - the attack's prediction with noise ${noisyAttackPrediction(p.coordinates, p.n, sd).toFixed(3)}`, perSeed.map((s) => last(s.aggregateError.noisy) - noisyAttackPrediction(p.coordinates, p.n, sd)),
          { kind: 'equivalence', margin: SMALLEST }, { unit: 'answer error', part: validPart, decides: false }),
        paired('noisyVsEmpiricalEarly', `max |answer - truth| over ${perSeed[0].queries[0]} queries, noisy - empirical answers`, perSeed.map((s) => s.maxError.noisy[0]), perSeed.map((s) => s.maxError.empirical[0]),
          { kind: 'direction', sign: -1, smallest: SMALLEST }, { unit: 'answer error', part: streamPart, decides: false }),
        meanOf('empiricalVsAttack', `aggregate query's error after ${Q} empirical answers - the attack's prediction ${attackPrediction(p.coordinates, p.n).toFixed(3)}`, perSeed.map((s) => last(s.aggregateError.empirical) - attackPrediction(p.coordinates, p.n)),
          { kind: 'equivalence', margin: SMALLEST }, { unit: 'answer error', part: streamPart, decides: false }),
        meanOf('reuseEmpirical', `holdout accuracy reported by the reused empirical holdout - 1/2 (mean over k in {${p.ks.join(', ')}})`, perSeed.map((s) => avgOverK(s, 'empirical', 'reported')),
          { kind: 'direction', sign: 1, smallest: SMALLEST }, { unit: 'accuracy', part: reusePart }),
        meanOf('reuseThresholdout', `holdout accuracy reported by Thresholdout - 1/2 (mean over k in {${p.ks.join(', ')}})`, perSeed.map((s) => avgOverK(s, 'thresholdout', 'reported')),
          { kind: 'equivalence', margin: REUSE_MARGIN }, { unit: 'accuracy', part: reusePart }),
        meanOf('reuseFresh', 'accuracy on fresh data - 1/2 (empirical-reuse classifiers; the truth is exactly 1/2)', perSeed.map((s) => avgOverK(s, 'empirical', 'fresh')),
          { kind: 'equivalence', margin: REUSE_MARGIN }, { unit: 'accuracy', part: reusePart, decides: false }),
      ],
      premise: [
        premise('streamOverfits', `aggregate query's error after ${Q} empirical answers (mean over seeds)`, mean(perSeed.map((s) => last(s.aggregateError.empirical))), { atLeast: 0.2 }),
        premise('trainingOverfit', 'training accuracy - 1/2 of the selected classifiers (empirical reuse, mean over k and seeds)', mean(perSeed.map((s) => avgOverK(s, 'empirical', 'train'))), { atLeast: 0.05 }),
      ],
      checks: [
        check('thresholdoutLimits', 'Thresholdout answers the training mean with an unreachable threshold and the holdout mean with threshold 0 and no noise (max deviation)', inst.limits, 0, 1e-15),
        check('aggregateTrueMean', 'the aggregate query\'s mean over all of {-1, 1}^5 - 1/2', inst.aggregateMean, 0, 1e-15),
      ],
      numbers: { seeds: perSeed.length, n: p.n, queries: Q, nonAdaptiveMax: nonAdaptive, noisyAggregateFinal: mean(perSeed.map((s) => last(s.aggregateError.noisy))), reuseN: p.reuseN, reuseD: p.reuseD, meanOverfits: mean(perSeed.map((s) => s.overfits)) },
    }),
    figures: figuresH1(p, perSeed),
  };
}

function figuresH1(p: H1Params, perSeed: H1Seed[]): Figure[] {
  const qs = perSeed[0].queries;
  const band = (name: string, get: (s: H1Seed) => number[], x: number[]) => {
    const iv = x.map((_, j) => tInterval(perSeed.map((s) => get(s)[j])));
    return { name, x, y: iv.map((v) => v.mean), errorLow: iv.map((v) => v.lo), errorHigh: iv.map((v) => v.hi), mode: 'lines+markers' as const };
  };
  return [
    lineFigure(`Adaptive query stream on n = ${p.n} points: max |answer - truth| so far (mean over seeds, 95% t interval)`, 'queries answered', 'max error', [
      band('empirical answers', (s) => s.maxError.empirical, qs), band('noisy answers (sd 1/sqrt(n))', (s) => s.maxError.noisy, qs),
      band('empirical, aggregate query', (s) => s.aggregateError.empirical, qs), { name: 'attack prediction', x: qs, y: qs.map((q) => attackPrediction(q / 2, p.n)) },
      band('noisy, aggregate query', (s) => s.aggregateError.noisy, qs), { name: 'attack prediction with noise', x: qs, y: qs.map((q) => noisyAttackPrediction(q / 2, p.n, 1 / Math.sqrt(p.n))) },
    ], { logX: true }),
    lineFigure(`Holdout reuse (n = ${p.reuseN}, d = ${p.reuseD}, no signal): accuracy of the sign classifier on the top k features`, 'k (features)', 'accuracy', [
      band('training', (s) => s.train.empirical, p.ks), band('holdout, reused empirically', (s) => s.reported.empirical, p.ks),
      band('holdout, through Thresholdout', (s) => s.reported.thresholdout, p.ks), band('fresh data', (s) => s.fresh.empirical, p.ks),
    ]),
    barFigure('Reported holdout accuracy - 1/2, mean over k (mean over seeds, 95% t interval)', 'accuracy - 1/2', [
      seedBar('empirical reuse', perSeed.map((s) => mean(s.reported.empirical) - 0.5)), seedBar('Thresholdout', perSeed.map((s) => mean(s.reported.thresholdout) - 0.5)),
      seedBar('fresh data', perSeed.map((s) => mean(s.fresh.empirical) - 0.5)),
    ]),
  ];
}

const ks = [10, 20, 50, 100, 200];

export const claim = defineClaim<H1Params, H1Seed>({
  id: 'H1',
  slug: 'adaptive-data-analysis',
  paper: 'Preserving Statistical Validity in Adaptive Data Analysis (Dwork, Feldman, Hardt, Pitassi, Reingold & Roth 2015), with The reusable holdout (Science 2015)',
  claim: 'answering adaptively chosen queries with empirical means overfits after about n queries, while perturbing answers (noise, Thresholdout) keeps them valid for many more',
  setting: 'query stream: n points uniform on {-1, 1}^D, an analyst alternating coordinate queries and an aggregate of the signs of all earlier answers (true means 1/2), 4n queries, answers empirical or + N(0, 1/n) noise (not calibrated to a privacy target: zCDP rho = 2 over 4n queries); ' +
    'holdout reuse (the Science demonstration): d Gaussian features, labels independent of them, selection on training and holdout correlations, sign classifier on the top k in {10, 20, 50, 100, 200}, holdout reused empirically or through Thresholdout (T = 4/sqrt(n), sigma = 1/sqrt(n)). ' +
    'Full: stream n = 2000, reuse n = d = 10000 (the paper\'s), 10 seeds; ci, cut to the CI budget: stream n = 1000, reuse n = d = 2000, 5 seeds',
  rule: `max error over 4n queries, noisy - empirical, below 0 and not wholly above -${SMALLEST} (paired t); slope of the empirical aggregate error on ln(queries) above 0 and not wholly below ${SMALLEST}; ` +
    `noisy answers' own validity: slope of their aggregate error on ln(queries) within +-${SMALLEST} of 0, and their max error over 4n queries within +-${SMALLEST} of the non-adaptive max (TOST); ` +
    `reported holdout accuracy - 1/2 (mean over k): empirical reuse above 0 and not wholly below ${SMALLEST}, Thresholdout within +-${REUSE_MARGIN} (TOST); premises: empirical aggregate error after 4n queries >= 0.2, training accuracy - 1/2 >= 0.05; ` +
    'checks: Thresholdout\'s limits, the aggregate\'s true mean 1/2 by enumeration',
  scales: {
    smoke: { seeds: [1, 2], n: 200, coordinates: 400, checkpoints: [25, 50, 100, 200, 400], reuseN: 500, reuseD: 500, ks },
    ci: { seeds: [1, 2, 3, 4, 5], n: 1000, coordinates: 2000, checkpoints: [125, 250, 500, 1000, 2000], reuseN: 2000, reuseD: 2000, ks },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], n: 2000, coordinates: 4000, checkpoints: [250, 500, 1000, 2000, 4000], reuseN: 10000, reuseD: 10000, ks },
  },
  seed: seedH1,
  summarize: summarizeH1,
});
