/**
 * B16. Mixup variants smooth decision boundaries and improve calibration (Zhang et al. 2018; Manifold
 * Mixup, Verma et al. 2019); cutout improves CNN accuracy (DeVries & Taylor 2017).
 *
 * Setting: (1) three noisy 2-D spirals, a [2, hidden, hidden, 3] ReLU MLP trained with and without
 * input mixup (alpha), expected calibration error on fresh test points; (2) a small CNN on a
 * Fashion-MNIST subset trained with and without cutout. Per seed one initialisation and batch order per
 * part, shared by both arms. Manifold mixup (mixing hidden layers) is not implemented here.
 */
import { spirals } from '../data/toy2d.js';
import { barFigure, heatmapGrid, reliabilityFigure, seedBar, type Figure } from '../figures/plotly.js';
import { ece, reliabilityBins, type ReliabilityBin } from '../metrics/classification.js';
import { cnn } from '../models/cnn.js';
import { mlp } from '../models/mlp.js';
import { Rng } from '../random/rng.js';
import { formatInterval, mean, pairedT } from '../stats/bootstrap.js';
import { cutout, mixup } from '../techniques/augmentation/index.js';
import { train } from '../train/loop.js';
import { adam } from '../train/transforms.js';
import { evaluate, fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface B16Params extends BaseParams, FmnistSize {
  spiral: { n: number; nTest: number; noise: number; hidden: number; steps: number; alpha: number };
  cnn: { channels: [number, number]; epochs: number; cutout: number };
  /** non-inferiority margin for cutout's accuracy */
  margin: number;
  /** resolution of the confidence maps in the figure */
  grid: number;
}

type Row = ClaimResult['rows'][number];

export interface B16Seed {
  rows: Row[];
  ece: { erm: number; mixup: number };
  /** spirals test-set reliability bins per arm */
  bins: { erm: ReliabilityBin[]; mixup: ReliabilityBin[] };
  spiralAccuracy: { erm: number; mixup: number };
  cnnAccuracy: { plain: number; cutout: number };
  /** max softmax probability on a grid over [-1.2, 1.2]^2, per arm (first seed's figure) */
  confidence: { erm: number[][]; mixup: number[][] };
}

function gridPoints(g: number): { x: Float32Array; at: (i: number, j: number) => number } {
  const x = new Float32Array(g * g * 2);
  for (let i = 0; i < g; i++) for (let j = 0; j < g; j++) x.set([-1.2 + (2.4 * j) / (g - 1), 1.2 - (2.4 * i) / (g - 1)], (i * g + j) * 2);
  return { x, at: (i, j) => i * g + j };
}

export async function seedB16(p: B16Params, seed: number): Promise<B16Seed> {
  const rng = new Rng(seed);
  const rows: Row[] = [];
  const s = p.spiral;
  const data = spirals(s.n, 3, s.noise, rng.fork('spirals'));
  const test = spirals(s.nTest, 3, s.noise, rng.fork('spirals test'));
  const eceOf = {} as B16Seed['ece'];
  const bins = {} as B16Seed['bins'];
  const spiralAccuracy = {} as B16Seed['spiralAccuracy'];
  const confidence = {} as B16Seed['confidence'];
  const g = gridPoints(p.grid);
  const gridSet = { ...data, x: g.x, y: new Int32Array(p.grid * p.grid) };
  for (const arm of ['erm', 'mixup'] as const) {
    const model = mlp({ sizes: [2, s.hidden, s.hidden, 3] }, rng.fork('spiral init'));
    try {
      await train({ model, data, transform: adam(3e-3), batchSize: 64, steps: s.steps, rng: rng.fork('spiral order'), augment: arm === 'mixup' ? mixup(s.alpha) : undefined, progress: 'silent' });
      const ev = evaluate(model, test);
      eceOf[arm] = ece(ev.probs, 3, test.y);
      bins[arm] = reliabilityBins(ev.probs, 3, test.y);
      spiralAccuracy[arm] = ev.accuracy;
      const probs = evaluate(model, gridSet).probs;
      confidence[arm] = Array.from({ length: p.grid }, (_, i) => Array.from({ length: p.grid }, (_, j) => Math.max(...probs.subarray(3 * g.at(i, j), 3 * g.at(i, j) + 3))));
      rows.push({ seed, part: 'spirals', arm, testAccuracy: ev.accuracy, ece: eceOf[arm] });
    } finally {
      model.dispose();
    }
  }
  const { train: images, test: imagesTest } = fmnistSplits(p);
  const cnnAccuracy = {} as B16Seed['cnnAccuracy'];
  for (const arm of ['plain', 'cutout'] as const) {
    const model = cnn({ inputShape: [28, 28, 1], channels: p.cnn.channels, hidden: [], numClasses: 10 }, rng.fork('cnn init'));
    try {
      await train({ model, data: images, transform: adam(1e-3), batchSize: 64, epochs: p.cnn.epochs, rng: rng.fork('cnn order'), augment: arm === 'cutout' ? cutout(p.cnn.cutout) : undefined, progress: 'silent' });
      cnnAccuracy[arm] = evaluate(model, imagesTest).accuracy;
      rows.push({ seed, part: 'cnn', arm, testAccuracy: cnnAccuracy[arm], ece: null });
    } finally {
      model.dispose();
    }
  }
  return { rows, ece: eceOf, bins, spiralAccuracy, cnnAccuracy, confidence };
}

export function summarizeB16(p: B16Params, perSeed: B16Seed[]): ClaimResult {
  const eceDiff = pairedT(perSeed.map((s) => s.ece.mixup), perSeed.map((s) => s.ece.erm));
  const cut = pairedT(perSeed.map((s) => s.cnnAccuracy.cutout), perSeed.map((s) => s.cnnAccuracy.plain));
  const m = (f: (s: B16Seed) => number) => mean(perSeed.map(f));
  const ok = eceDiff.hi < 0 && cut.mean >= 0 && cut.lo > -p.margin;
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: {
      status: ok ? 'reproduced' : 'not reproduced',
      summary: `spirals: ECE mixup ${m((s) => s.ece.mixup).toFixed(3)} vs ERM ${m((s) => s.ece.erm).toFixed(3)}, difference ${formatInterval(eceDiff, 3)} ` +
        `(accuracy ${m((s) => s.spiralAccuracy.mixup).toFixed(3)} vs ${m((s) => s.spiralAccuracy.erm).toFixed(3)}); ` +
        `CNN: accuracy with cutout ${m((s) => s.cnnAccuracy.cutout).toFixed(3)} vs without ${m((s) => s.cnnAccuracy.plain).toFixed(3)}, difference ${formatInterval(cut, 3)} (margin ${p.margin})`,
      numbers: {
        eceMixup: m((s) => s.ece.mixup), eceErm: m((s) => s.ece.erm), eceDiff: eceDiff.mean, eceDiffLo: eceDiff.lo, eceDiffHi: eceDiff.hi,
        cutoutAccuracy: m((s) => s.cnnAccuracy.cutout), plainAccuracy: m((s) => s.cnnAccuracy.plain), cutoutDiff: cut.mean, cutoutDiffLo: cut.lo, cutoutDiffHi: cut.hi, seeds: perSeed.length,
      },
    },
    figures: figuresB16(perSeed),
  };
}

function figuresB16(perSeed: B16Seed[]): Figure[] {
  const first = perSeed[0];
  const bars = (f: (s: B16Seed) => number, name: string) => seedBar(name, perSeed.map(f));
  return [
    heatmapGrid(`Spirals: confidence (max softmax probability) over the plane, seed ${first.rows[0].seed}`, [
      { title: 'ERM', z: first.confidence.erm, colorscale: 'Viridis' }, { title: 'mixup', z: first.confidence.mixup, colorscale: 'Viridis' },
    ], 2),
    reliabilityFigure('Spirals: reliability diagram (test set, mean over seeds)', [{ name: 'ERM', bins: perSeed.map((s) => s.bins.erm) }, { name: 'mixup', bins: perSeed.map((s) => s.bins.mixup) }]),
    barFigure('Spirals: expected calibration error (mean over seeds, min-max)', 'ECE', [bars((s) => s.ece.erm, 'ERM'), bars((s) => s.ece.mixup, 'mixup')]),
    barFigure('CNN: test accuracy (mean over seeds, min-max)', 'accuracy', [bars((s) => s.cnnAccuracy.plain, 'no cutout'), bars((s) => s.cnnAccuracy.cutout, 'cutout')]),
  ];
}

const common = { source: 'subset' as const, margin: 0.01, grid: 60 };

export const claim = defineClaim<B16Params, B16Seed>({
  id: 'B16',
  slug: 'mixup-cutout',
  paper: 'Manifold Mixup (Verma et al. 2019); Improved Regularization of CNNs with Cutout (DeVries & Taylor 2017)',
  claim: 'mixup variants smooth decision boundaries and improve calibration; cutout improves CNN accuracy',
  setting: 'three 2-D spirals (noise 0.05), [2, 128, 128, 3] MLP with and without input mixup (alpha 1); conv16-conv32 CNN on a Fashion-MNIST subset with and without 8x8 cutout',
  rule: 'ECE(mixup) < ECE(ERM) (paired 95% CI below 0); acc(cutout) >= acc(no cutout) (paired mean difference >= 0, CI above -0.01)',
  scales: {
    smoke: { seeds: [1, 2], ...common, nTrain: 128, nTest: 100, grid: 10, spiral: { n: 150, nTest: 150, noise: 0.05, hidden: 16, steps: 20, alpha: 1 }, cnn: { channels: [4, 4], epochs: 1, cutout: 8 } },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 2000, nTest: 1000, spiral: { n: 900, nTest: 3000, noise: 0.05, hidden: 128, steps: 2000, alpha: 1 }, cnn: { channels: [16, 32], epochs: 8, cutout: 8 } },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, source: 'auto', nTrain: 10000, nTest: 2000, spiral: { n: 3000, nTest: 10000, noise: 0.05, hidden: 128, steps: 5000, alpha: 1 }, cnn: { channels: [32, 64], epochs: 20, cutout: 8 } },
  },
  seed: seedB16,
  summarize: summarizeB16,
});
