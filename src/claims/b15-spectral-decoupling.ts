/**
 * B15. Gradient starvation (Pezeshki et al. 2021): with cross-entropy, a network that learns one
 * strongly predictive feature first stops learning the others ("starves" them); spectral decoupling,
 * a penalty on the squared logits, lets it learn the starved feature too.
 *
 * Setting: two moons (the feature that needs a curved boundary) plus a shortcut, a third input that
 * separates the classes linearly with a wide margin. An MLP trains with CE or CE + SD on data with the
 * shortcut; the test set has the shortcut replaced by noise of the same spread, so only the moons are
 * left to predict from. Per seed one initialisation and batch order, shared by both arms and by a
 * control trained without the shortcut (what the moons alone allow: the measure of starvation).
 */
import { moonsWithShortcut } from '../data/toy2d.js';
import { barFigure, seedBar, type Figure } from '../figures/plotly.js';
import { mlp } from '../models/mlp.js';
import { Rng } from '../random/rng.js';
import { formatInterval, mean, pairedT } from '../stats/bootstrap.js';
import { train } from '../train/loop.js';
import { crossEntropy, spectralDecoupling } from '../train/losses.js';
import { adam } from '../train/transforms.js';
import { evaluate } from './shared/fmnist.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface B15Params extends BaseParams {
  nTrain: number;
  nTest: number;
  noise: number;
  margin: number;
  shortcutNoise: number;
  hidden: number;
  lr: number;
  steps: number;
  lambda: number;
}

export const ARMS = ['cross-entropy', 'spectral decoupling'] as const;
type Arm = (typeof ARMS)[number];

export interface B15Seed {
  rows: ClaimResult['rows'];
  /** test accuracy with the shortcut present and removed, per arm */
  withShortcut: Record<Arm, number>;
  without: Record<Arm, number>;
  /** control: CE trained without the shortcut, tested without it (what the moons alone allow) */
  control: number;
}

export async function seedB15(p: B15Params, seed: number): Promise<B15Seed> {
  const rng = new Rng(seed);
  const spec = { noise: p.noise, margin: p.margin, shortcutNoise: p.shortcutNoise };
  const data = moonsWithShortcut(p.nTrain, { ...spec, shortcut: true }, rng.fork('train'));
  const testWith = moonsWithShortcut(p.nTest, { ...spec, shortcut: true }, rng.fork('test'));
  const testWithout = moonsWithShortcut(p.nTest, { ...spec, shortcut: false }, rng.fork('test'));
  const withShortcut = {} as Record<Arm, number>;
  const without = {} as Record<Arm, number>;
  const rows: ClaimResult['rows'] = [];
  for (const arm of ARMS) {
    const model = mlp({ sizes: [3, p.hidden, p.hidden, 2] }, rng.fork('init'));
    try {
      const loss = arm === 'cross-entropy' ? crossEntropy() : spectralDecoupling(crossEntropy(), p.lambda);
      await train({ model, data, transform: adam(p.lr), loss, batchSize: 64, steps: p.steps, rng: rng.fork('order'), progress: 'silent', label: `B15 ${arm} seed ${seed}` });
      withShortcut[arm] = evaluate(model, testWith).accuracy;
      without[arm] = evaluate(model, testWithout).accuracy;
      rows.push({ seed, arm, accuracyWithShortcut: withShortcut[arm], accuracyShortcutRemoved: without[arm] });
    } finally {
      model.dispose();
    }
  }
  const model = mlp({ sizes: [3, p.hidden, p.hidden, 2] }, rng.fork('init'));
  let control: number;
  try {
    const clean = moonsWithShortcut(p.nTrain, { ...spec, shortcut: false }, rng.fork('train'));
    await train({ model, data: clean, transform: adam(p.lr), batchSize: 64, steps: p.steps, rng: rng.fork('order'), progress: 'silent', label: `B15 control seed ${seed}` });
    control = evaluate(model, testWithout).accuracy;
    rows.push({ seed, arm: 'control: CE without the shortcut', accuracyWithShortcut: null, accuracyShortcutRemoved: control });
  } finally {
    model.dispose();
  }
  return { rows, withShortcut, without, control };
}

export function summarizeB15(p: B15Params, perSeed: B15Seed[]): ClaimResult {
  const diff = pairedT(perSeed.map((s) => s.without['spectral decoupling']), perSeed.map((s) => s.without['cross-entropy']));
  const m = (f: (s: B15Seed) => number) => mean(perSeed.map(f));
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: {
      status: diff.lo > 0 ? 'reproduced' : 'not reproduced',
      summary: `test accuracy with the shortcut removed: SD ${m((s) => s.without['spectral decoupling']).toFixed(3)} vs CE ${m((s) => s.without['cross-entropy']).toFixed(3)}, ` +
        `difference ${formatInterval(diff, 3)}; with the shortcut ${m((s) => s.withShortcut['cross-entropy']).toFixed(3)} (CE) and ${m((s) => s.withShortcut['spectral decoupling']).toFixed(3)} (SD); ` +
        `CE trained without the shortcut ${m((s) => s.control).toFixed(3)} (what the moons alone allow)`,
      numbers: {
        sdRemoved: m((s) => s.without['spectral decoupling']), ceRemoved: m((s) => s.without['cross-entropy']), diff: diff.mean, diffLo: diff.lo, diffHi: diff.hi,
        ceWith: m((s) => s.withShortcut['cross-entropy']), sdWith: m((s) => s.withShortcut['spectral decoupling']), control: m((s) => s.control), seeds: perSeed.length,
      },
    },
    figures: figuresB15(perSeed),
  };
}

function figuresB15(perSeed: B15Seed[]): Figure[] {
  return [barFigure('Test accuracy (mean over seeds, min-max)', 'accuracy', ARMS.flatMap((arm) => (['withShortcut', 'without'] as const).map((k) => {
    const v = perSeed.map((s) => s[k][arm]);
    return seedBar(`${arm}, ${k === 'without' ? 'shortcut removed' : 'with shortcut'}`, v);
  })))];
}

const common = { noise: 0.1, margin: 1, shortcutNoise: 0.1, hidden: 64, lr: 3e-3, lambda: 0.1 };

export const claim = defineClaim<B15Params, B15Seed>({
  id: 'B15',
  slug: 'spectral-decoupling',
  paper: 'Gradient Starvation: A Learning Proclivity in Neural Networks (Pezeshki et al. 2021)',
  claim: 'cross-entropy learns one strong feature and starves others; spectral decoupling (penalty on logits^2) restores the starved feature',
  setting: 'two moons (noise 0.1) plus a third input y * 1 + N(0, 0.1^2) that separates the classes linearly; [3, 64, 64, 2] ReLU MLP, Adam 3e-3; ' +
    'CE vs CE + (0.1/2)|logits|^2; test with the shortcut replaced by N(0, 0.1^2)',
  rule: 'accuracy with the shortcut removed: SD > CE, paired over seeds (95% t-interval above 0)',
  scales: {
    smoke: { seeds: [1, 2], ...common, nTrain: 128, nTest: 128, steps: 30 },
    ci: { seeds: [1, 2, 3, 4, 5, 6, 7, 8], ...common, nTrain: 1000, nTest: 2000, steps: 2000 },
    full: { seeds: Array.from({ length: 20 }, (_, i) => i + 1), ...common, nTrain: 2000, nTest: 5000, steps: 5000 },
  },
  seed: seedB15,
  summarize: summarizeB15,
});
