/**
 * F4. On gauge freedom, conservativity and intrinsic dimensionality estimation in diffusion models
 * (Horvat & Pfister 2024): the probability-flow ODE's marginals depend on the score only through the
 * continuity equation, so adding a field w with div(p_t w) = 0, which need not be a gradient, leaves
 * sampling exact; conservativity is therefore not necessary for exact sampling (and a conservative but
 * wrong field shows it is not sufficient either).
 *
 * Setting, on exact footing: 2-D data, three isotropic Gaussians at the corners of a triangle, the VP
 * SDE's probability-flow ODE (Heun) with the exact noised score s. The gauge field is w = lambda J s
 * with J the 90-degree rotation: p_t w = lambda J grad p_t, and div(J grad p) = 0 for any antisymmetric
 * J, while curl(w) != 0 (w is not a gradient). The control adds the conservative but wrong field
 * lambda s (the score of p_t^(1+lambda) up to normalisation, which is not p_t). All three ODEs start from
 * the same prior draws; each final sample is compared with an exact draw from the data.
 */
import { barFigure, seedBar, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { slicedW2 } from '../stats/two-sample.js';
import { gmm, noisedLogDensity, noisedScore, probabilityFlow, sampleGmm, vpLinear, type TimeScore } from '../techniques/diffusion/index.js';
import { check, paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface F4Params extends BaseParams {
  chains: number;
  /** Heun steps of the probability-flow ODE */
  steps: number;
  /** gauge strengths lambda; the verdict is read at the first */
  lambdas: number[];
  projections: number;
}

const PROCESS = vpLinear();
export const DATA = gmm([1 / 3, 1 / 3, 1 / 3], [[0, 1.5], [-1.3, -0.75], [1.3, -0.75]], 0.2);
/** The yardstick: a W2 difference of 0.02 (data units; components have sd 0.45) counts. */
const MARGIN = 0.02;

const score: TimeScore = (x, t) => noisedScore(DATA, x, PROCESS.alpha(t), PROCESS.sigma(t));

/** s + lambda J s (gauge) or s + lambda s (conservative control), J the 90-degree rotation. */
export function withField(kind: 'gauge' | 'control', lambda: number): TimeScore {
  return (x, t) => {
    const s = score(x, t);
    const out = new Float64Array(s.length);
    for (let i = 0; i < s.length; i += 2) {
      out[i] = s[i] + lambda * (kind === 'gauge' ? -s[i + 1] : s[i]);
      out[i + 1] = s[i + 1] + lambda * (kind === 'gauge' ? s[i] : s[i + 1]);
    }
    return out;
  };
}

export interface F4Seed {
  rows: ClaimResult['rows'];
  /** sliced W2 to an exact draw of the data, per field ('exact', 'gauge <lambda>', 'control <lambda>') */
  w2: Record<string, number>;
  /** two exact draws' sliced W2 (the floor) */
  floor: number;
}

export async function seedF4(p: F4Params, seed: number): Promise<F4Seed> {
  const rng = new Rng(seed);
  const prior = rng.fork('prior');
  const sd = PROCESS.sigma(1);
  const xT = Float64Array.from({ length: 2 * p.chains }, () => sd * prior.normal());
  const data = sampleGmm(DATA, p.chains, rng.fork('data'));
  // one set of projections for every W2 of a seed (the floor too), so that their differences cancel the projection noise
  const w2 = (x: Float64Array) => Math.sqrt(slicedW2(x, data, 2, { projections: p.projections, rng: rng.fork('projections') }));
  const out: F4Seed = { rows: [], w2: {}, floor: w2(sampleGmm(DATA, p.chains, rng.fork('second draw'))) };
  const fields: [string, TimeScore][] = [['exact', score], ...p.lambdas.flatMap((l) => [[`gauge ${l}`, withField('gauge', l)], [`control ${l}`, withField('control', l)]] as [string, TimeScore][])];
  for (const [name, s] of fields) {
    const x = probabilityFlow(PROCESS, s, xT, { steps: p.steps, method: 'heun' });
    out.w2[name] = w2(x);
    out.rows.push({ seed, field: name, slicedW2ToData: out.w2[name] });
  }
  out.rows.push({ seed, field: 'second exact draw (floor)', slicedW2ToData: out.floor });
  return out;
}

/**
 * The gauge identity on a grid: div(p_t w) by central differences, relative to the size of the
 * terms it sums (|d(p w1)/dx| + |d(p w2)/dy|), worst over the grid and a few times.
 */
function divergenceCheck(): number {
  const h = 1e-4;
  let worst = 0;
  const pw = (x: number, y: number, t: number) => {
    const pt = Float64Array.of(x, y);
    const p = Math.exp(noisedLogDensity(DATA, pt, PROCESS.alpha(t), PROCESS.sigma(t))[0]);
    const w = withField('gauge', 1)(pt, t);
    const s = score(pt, t);
    return [p * (w[0] - s[0]), p * (w[1] - s[1])];
  };
  for (const t of [0.01, 0.1, 0.5]) {
    for (let x = -2; x <= 2; x += 0.5) for (let y = -2; y <= 2; y += 0.5) {
      const ddx = (pw(x + h, y, t)[0] - pw(x - h, y, t)[0]) / (2 * h);
      const ddy = (pw(x, y + h, t)[1] - pw(x, y - h, t)[1]) / (2 * h);
      const scale = Math.abs(ddx) + Math.abs(ddy);
      if (scale > 1e-8) worst = Math.max(worst, Math.abs(ddx + ddy) / scale);
    }
  }
  return worst;
}

/** The gauge field is not a gradient: |curl| = |d w2/dx - d w1/dy| at a point between the components (absolute). */
function curlOfGauge(): number {
  const h = 1e-4;
  const t = 0.1;
  const w = withField('gauge', 1);
  const gaugePart = (x: number, y: number) => { const pt = Float64Array.of(x, y); const a = w(pt, t), s = score(pt, t); return [a[0] - s[0], a[1] - s[1]]; };
  const [x, y] = [0.3, 0.2];
  const curl = (gaugePart(x + h, y)[1] - gaugePart(x - h, y)[1]) / (2 * h) - (gaugePart(x, y + h)[0] - gaugePart(x, y - h)[0]) / (2 * h);
  return Math.abs(curl);
}

export function summarizeF4(p: F4Params, perSeed: F4Seed[]): ClaimResult {
  const l = p.lambdas[0];
  const w2 = (name: string) => perSeed.map((s) => s.w2[name]);
  const floor = perSeed.map((s) => s.floor);
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'gaugeVsExact',
      effects: [
        paired('gaugeVsExact', `sliced W2 to the data, ODE with s + ${l} J s - ODE with s`, w2(`gauge ${l}`), w2('exact'), { kind: 'equivalence', margin: MARGIN },
          { unit: 'W2 (data units)', part: 'a non-conservative gauge field leaves sampling exact' }),
        paired('controlVsExact', `sliced W2 to the data, ODE with s + ${l} s (conservative, wrong) - ODE with s`, w2(`control ${l}`), w2('exact'), { kind: 'direction', sign: 1, smallest: MARGIN },
          { unit: 'W2 (data units)', part: 'conservativity is not sufficient' }),
        ...p.lambdas.slice(1).map((m) => paired(`gaugeVsExactL${m}`.replace('.', 'p'), `sliced W2 to the data, ODE with s + ${m} J s - ODE with s`, w2(`gauge ${m}`), w2('exact'),
          { kind: 'equivalence', margin: MARGIN }, { unit: 'W2 (data units)', part: 'a non-conservative gauge field leaves sampling exact', decides: false })),
      ],
      premise: [
        // exact sampling must be resolvable: the exact-score ODE sits near the floor of two exact draws
        premise('exactNearFloor', 'sliced W2 to the data of the exact-score ODE - that of a second exact draw (mean over seeds)', mean(w2('exact')) - mean(floor), { atMost: MARGIN / 2 }),
        premise('gaugeCurl', '|curl| of the gauge field at a point between the components (t = 0.1)', curlOfGauge(), { atLeast: 0.1 }),
      ],
      checks: [check('gaugeDivergence', 'div(p_t w) / (|d(p w1)/dx| + |d(p w2)/dy|), worst on a grid at t = 0.01, 0.1, 0.5', divergenceCheck(), 0, 1e-5)],
      numbers: { seeds: perSeed.length, floorW2: mean(floor), exactW2: mean(w2('exact')) },
    }),
    figures: figuresF4(p, perSeed),
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function figuresF4(p: F4Params, perSeed: F4Seed[]): Figure[] {
  return [
    barFigure(`Sliced W2 of the probability-flow samples to an exact draw of the data (mean over seeds, 95% t interval); floor = a second exact draw`, 'sliced W2', [
      seedBar('second exact draw (floor)', perSeed.map((s) => s.floor)),
      seedBar('exact score s', perSeed.map((s) => s.w2.exact)),
      ...p.lambdas.flatMap((l) => [seedBar(`s + ${l} J s (gauge)`, perSeed.map((s) => s.w2[`gauge ${l}`])), seedBar(`s + ${l} s (conservative, wrong)`, perSeed.map((s) => s.w2[`control ${l}`]))]),
    ]),
  ];
}

const common = { lambdas: [1, 3], projections: 128 };

export const claim = defineClaim<F4Params, F4Seed>({
  id: 'F4',
  slug: 'gauge-freedom',
  paper: 'On gauge freedom, conservativity and intrinsic dimensionality estimation in diffusion models (Horvat & Pfister 2024)',
  claim: 'adding a non-conservative gauge field w with div(p_t w) = 0 to the exact score leaves probability-flow sampling exact, so conservativity is neither necessary nor sufficient for exact sampling',
  setting: '2-D data: three isotropic Gaussians (variance 0.2) at the corners of a triangle; VP SDE probability-flow ODE (Heun) with the exact noised score s; gauge field lambda J s (J the 90-degree rotation), ' +
    'lambda in {1, 3}, verdict at 1; control: the conservative but wrong s + lambda s; sliced W2 (128 projections at ci, 256 at full) to an exact draw of the data; ' +
    '500 Heun steps, 20000 chains, 10 seeds at full; ci, cut to the CI budget: 150 steps, 3000 chains, 5 seeds',
  rule: 'sliced W2 to the data, gauge ODE - exact ODE, within +-0.02 (TOST, paired over seeds); control ODE - exact ODE above 0 and not wholly below 0.02 (paired t); ' +
    'premises: exact ODE within 0.01 of the floor of two exact draws, |curl| of the gauge field >= 0.1; check: div(p_t w) = 0 on a grid (relative 1e-5); lambda = 3 reported',
  scales: {
    smoke: { seeds: [1, 2], ...common, chains: 500, steps: 50, projections: 32 },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, chains: 3000, steps: 150 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, chains: 20000, steps: 500, projections: 256 },
  },
  seed: seedF4,
  summarize: summarizeF4,
});
