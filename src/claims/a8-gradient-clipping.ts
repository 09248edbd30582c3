/**
 * A8. On the difficulty of training recurrent neural networks (Pascanu, Mikolov & Bengio 2013):
 * gradients through time can explode; rescaling the gradient when its norm exceeds a threshold lets a
 * vanilla RNN train at learning rates where it otherwise blows up.
 *
 * Setting: a tanh RNN (recurrent weights at gain 1.5, where gradients explode) on delayed recall, a
 * one-symbol copy task: remember which of 4 symbols was shown at step 0 across `length` noisy steps.
 * Per seed one initialisation and one batch order, trained by SGD at each lr of a grid, with and
 * without clipping of the global gradient norm. A run blows up when its loss becomes non-finite or
 * ends above ln 4, the loss of guessing uniformly: the weights were thrown somewhere worse than where
 * they started from nothing.
 */
import { delayedRecall } from '../data/sequences.js';
import { barFigure, seedBar, lineFigure, type Figure } from '../figures/plotly.js';
import { rnn } from '../models/rnn.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { train } from '../train/loop.js';
import { chain, clipByGlobalNorm, observeGlobalNorm, sgd } from '../train/transforms.js';
import { evaluate } from './shared/fmnist.js';
import { check, meanOf, paired, premise, signs, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface A8Params extends BaseParams {
  length: number;
  symbols: number;
  noise: number;
  hidden: number;
  recurrentGain: number;
  nTrain: number;
  nTest: number;
  batchSize: number;
  steps: number;
  lrs: number[];
  /** global-norm threshold */
  clipNorm: number;
}

export const ARMS = ['plain', 'clipped'] as const;
type Arm = (typeof ARMS)[number];
type Row = ClaimResult['rows'][number];

export interface A8Run {
  arm: Arm;
  lr: number;
  blownUp: boolean;
  finalLoss: number;
  testAccuracy: number;
  /** global norm of the raw gradient at every step */
  gradNorms: number[];
  /** largest global norm of the update after clipping (clipped arm; 0 for plain) */
  maxClippedNorm: number;
}

export interface A8Seed {
  rows: Row[];
  runs: A8Run[];
}

const ratioOfMaxToMedian = (norms: number[]): number => {
  const v = norms.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length ? v[v.length - 1] / v[v.length >> 1] : NaN;
};

export async function seedA8(p: A8Params, seed: number): Promise<A8Seed> {
  const rng = new Rng(seed);
  const task = { length: p.length, symbols: p.symbols, noise: p.noise };
  const data = delayedRecall(p.nTrain, task, rng.fork('train'));
  const test = delayedRecall(p.nTest, task, rng.fork('test'));
  const chance = Math.log(p.symbols);
  const runs: A8Run[] = [];
  for (const arm of ARMS) {
    for (const lr of p.lrs) {
      // the same initialisation and batch order for every arm and rate
      const model = rnn({ inputSize: p.symbols + 1, hidden: p.hidden, outputs: p.symbols, recurrentGain: p.recurrentGain }, rng.fork('init'));
      const gradNorms: number[] = [];
      let maxClippedNorm = 0;
      try {
        const clip = arm === 'clipped' ? [clipByGlobalNorm(p.clipNorm), observeGlobalNorm((n) => { maxClippedNorm = Math.max(maxClippedNorm, n); })] : [];
        const transform = chain(observeGlobalNorm((n) => gradNorms.push(n)), ...clip, sgd(lr));
        const run = await train({ model, data, transform, batchSize: p.batchSize, steps: p.steps, rng: rng.fork('order'), progress: 'silent', label: `A8 ${arm} lr ${lr} seed ${seed}` });
        const blownUp = run.status === 'diverged' || !(run.finalLoss <= chance);
        const acc = run.status === 'diverged' ? NaN : evaluate(model, test).accuracy;
        runs.push({ arm, lr, blownUp, finalLoss: run.finalLoss, testAccuracy: acc, gradNorms, maxClippedNorm });
      } finally {
        model.dispose();
      }
    }
  }
  const rows = runs.map((r) => ({ seed, arm: r.arm, lr: r.lr, blownUp: r.blownUp, finalLoss: r.finalLoss, testAccuracy: r.testAccuracy, maxGradNorm: Math.max(...r.gradNorms.filter(Number.isFinite)), spike: ratioOfMaxToMedian(r.gradNorms) }));
  return { rows, runs };
}

export function summarizeA8(p: A8Params, perSeed: A8Seed[]): ClaimResult {
  const runOf = (s: A8Seed, arm: Arm, lr: number) => s.runs.find((r) => r.arm === arm && r.lr === lr)!;
  const pairs = perSeed.flatMap((s) => p.lrs.map((lr) => [runOf(s, 'plain', lr), runOf(s, 'clipped', lr)] as const));
  const total = pairs.length;
  const [plain, clipped] = [0, 1].map((i) => pairs.filter((q) => q[i].blownUp).length);
  const discordant = pairs.filter(([a, b]) => a.blownUp !== b.blownUp).length;
  // per seed, the largest spike (max / median gradient norm of a run) over the plain runs at every rate
  const spikes = perSeed.map((s) => Math.log(Math.max(...s.runs.filter((r) => r.arm === 'plain').map((r) => ratioOfMaxToMedian(r.gradNorms)))));
  // a blown-up run is scored at chance: its weights carry no information
  const chance = 1 / p.symbols;
  const accOf = (arm: Arm) => perSeed.map((s) => mean(s.runs.filter((r) => r.arm === arm).map((r) => (r.blownUp || !Number.isFinite(r.testAccuracy) ? chance : r.testAccuracy))));
  // exact bookkeeping: every run starts from the same initialisation and first batch, so its first gradient norm is the same
  const firstNorms = perSeed.map((s) => s.runs.map((r) => r.gradNorms[0]));
  const firstSpread = Math.max(...firstNorms.map((v) => (Math.max(...v) - Math.min(...v)) / Math.max(...v)));
  const blowPart = 'clipping prevents blow-ups';
  const spikePart = 'gradient norms spike without clipping';
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'blowUps',
      effects: [
        // exact sign (McNemar) test over (seed, rate) pairs that disagree: clipping "tames" the explosions
        // when it wins most of them; we take at least three in four (the paper reports no count)
        signs('blowUps', 'run pairs (seed, lr) where only plain SGD blew up, share of the discordant pairs', pairs.map((q) => (q[0].blownUp ? 1 : 0)), pairs.map((q) => (q[1].blownUp ? 1 : 0)),
          { sign: 1, smallest: 0.25 }, { unit: 'share of discordant pairs', part: blowPart, digits: 2 }),
        // a spike: the gradient norm jumping an order of magnitude above its run's median (Pascanu et al.'s cliffs)
        meanOf('spike', 'ln(largest gradient norm / the run\'s median), plain SGD, largest over rates', spikes,
          { kind: 'direction', sign: 1, reference: Math.log(10), smallest: 0 }, { unit: 'ln ratio', part: spikePart, digits: 2 }),
        paired('accuracy', 'test accuracy, clipped - plain (mean over rates; a blown-up run at chance)', accOf('clipped'), accOf('plain'),
          { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'accuracy', decides: false }),
      ],
      premise: [premise('plainBlowUps', 'share of plain SGD runs that blew up (the rates are where it diverges)', plain / total, { atLeast: 0.5 }, { digits: 2 })],
      checks: [
        check('clippedNorm', 'excess of the largest update norm after clipping over the threshold, relative', Math.max(0, Math.max(...perSeed.flatMap((s) => s.runs.filter((r) => r.arm === 'clipped').map((r) => r.maxClippedNorm))) / p.clipNorm - 1), 0, 1e-4),
        check('sameStart', 'spread of the first gradient norm over a seed\'s runs (same init and batch), relative', firstSpread, 0, 1e-6),
      ],
      numbers: { plainBlownUp: plain, clippedBlownUp: clipped, runs: total, discordant, medianSpike: Math.exp([...spikes].sort((a, b) => a - b)[spikes.length >> 1]), seeds: perSeed.length },
    }),
    figures: figuresA8(p, perSeed),
  };
}

function figuresA8(p: A8Params, perSeed: A8Seed[]): Figure[] {
  const first = perSeed[0];
  const top = p.lrs.at(-1)!;
  return [
    lineFigure(`Gradient norm along training at lr ${top} (seed ${first.rows[0].seed}), before clipping`, 'step', 'global gradient norm', ARMS.map((arm) => {
      const r = first.runs.find((q) => q.arm === arm && q.lr === top)!;
      return { name: arm === 'plain' ? 'plain SGD' : `clipped at ${p.clipNorm}`, x: r.gradNorms.map((_, i) => i + 1), y: r.gradNorms };
    }), { logY: true }),
    barFigure('Share of runs that blew up, per learning rate', 'share of seeds', ARMS.flatMap((arm) => p.lrs.map((lr) => ({
      name: `${arm}, lr ${lr}`, value: mean(perSeed.map((s) => (s.runs.find((r) => r.arm === arm && r.lr === lr)!.blownUp ? 1 : 0))),
    })))),
    barFigure('Test accuracy, per learning rate (mean over seeds, 95% t interval; blown-up runs count 0)', 'test accuracy', ARMS.flatMap((arm) => p.lrs.map((lr) => {
      const v = perSeed.map((s) => s.runs.find((r) => r.arm === arm && r.lr === lr)!.testAccuracy).map((a) => (Number.isFinite(a) ? a : 0));
      return seedBar(`${arm}, lr ${lr}`, v);
    }))),
  ];
}

const common = { symbols: 4, noise: 0.1, hidden: 32, recurrentGain: 1.5, batchSize: 32, clipNorm: 1, lrs: [0.1, 0.3, 1] };

export const claim = defineClaim<A8Params, A8Seed>({
  id: 'A8',
  slug: 'gradient-clipping',
  paper: 'On the difficulty of training Recurrent Neural Networks (Pascanu, Mikolov & Bengio 2013)',
  claim: 'gradient-norm clipping tames exploding gradients so a vanilla RNN trains at learning rates where it otherwise diverges',
  setting: 'tanh RNN (32 units, recurrent gain 1.5) on delayed recall of 1 of 4 symbols across noisy steps; SGD at lr 0.3 and 1 (0.03-1 at full scale) with and without ' +
    'global-norm clipping at 1, same initialisation and batch order; blown up = loss non-finite or ending above ln 4. full: 50-step sequences, 250 SGD steps (cut to ~30 min on 2 cores), 10 seeds; ' +
    'ci, cut to the CI budget: 10-step sequences, 12 SGD steps, 3 seeds (a seed that trains costs > 1 CPU s)',
  rule: 'blow-ups: exact sign (McNemar) test over (seed, lr) pairs, share of discordant pairs where only plain SGD blew up above 1/2, and not below 3/4; ' +
    'spikes: per seed ln(max / median gradient norm) of the plain runs (largest over rates), mean above ln 10 (t); premise: plain SGD blows up on >= 50% of runs; ' +
    'checks: clipped update norm <= threshold, same first gradient on every run of a seed',
  scales: {
    smoke: { seeds: [1, 2], ...common, length: 6, nTrain: 64, nTest: 32, steps: 8, lrs: [0.3, 1] },
    ci: { seeds: [1, 2, 3], ...common, length: 10, nTrain: 128, nTest: 64, steps: 12, lrs: [0.3, 1] },
    // full: ~26 min on 2 cores (ci 4.4 CPU s x 694 / 2 workers; an RNN step's cost grows with the sequence length); 2000 SGD steps cut to 250
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, length: 50, nTrain: 2000, nTest: 1000, steps: 250, lrs: [0.03, 0.1, 0.3, 1] },
  },
  seed: seedA8,
  summarize: summarizeA8,
});
