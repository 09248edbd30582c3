/**
 * F2. Stochastic Interpolants: A Unifying Framework for Flows and Diffusions (Albergo, Boffi &
 * Vanden-Eijnden 2023): x_t = alpha(t) x0 + beta(t) x1 + gamma(t) z bridges rho0 and rho1 exactly; its
 * density solves a transport equation with velocity b and, for every eps >= 0, a Fokker-Planck equation
 * with drift b + eps score. So the ODE dx = b dt and the SDEs dx = (b + eps score) dt + sqrt(2 eps) dW
 * all carry rho0 to rho1. b and the score are the minimisers of quadratic objectives; with learned
 * (imperfect) fields, the paper's likelihood bound controls the stochastic samplers and not the
 * deterministic one, so eps > 0 is the more robust choice.
 *
 * Setting: rho0 = N(0, I) in 2-D, rho1 = eight Gaussians (sd 0.25) on a circle of radius 3; the linear
 * and the trigonometric interpolant, gamma = sqrt(2 t (1 - t)). The exact fields are closed form
 * (src/techniques/interpolants/exact.ts; the transport and Fokker-Planck equations are checked by
 * finite differences). The learned fields come from one MLP trained on the paper's objectives for v and
 * the denoiser eta (src/techniques/interpolants/learn.ts). Every sampler starts from the same draws of
 * rho0 and is compared with rho1 itself by MMD^2 (Gaussian kernel, bandwidth 0.5), whose terms in rho1 are
 * closed form (src/stats/mmd-gmm.ts): the estimate is unbiased, exactly 0 in expectation for an exact
 * sampler, and its spread under that null is of order 1/n. (A distance to a second finite draw of the
 * eight modes is dominated by the draws' multinomial mode counts, +-0.04 in sliced W2 at 4000 points.)
 */
import { barFigure, seedBar, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { mmd2Gmm, mmd2ToGmm } from '../stats/mmd-gmm.js';
import { gmm, sampleGmm } from '../techniques/diffusion/index.js';
import {
  gmmInterpolantFields, interpolantOde, interpolantSde, learnInterpolantFields, linearInterpolant, trigInterpolant, type Interpolant,
} from '../techniques/interpolants/index.js';
import { check, meanOf, paired, premise, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export type InterpolantName = 'linear' | 'trig';

export interface F2Params extends BaseParams {
  chains: number;
  /** Euler-Maruyama steps of the SDEs; the ODE takes half as many Heun steps (equal field evaluations) */
  sdeSteps: number;
  /** diffusion levels of the exact-field samplers (0: the ODE) */
  epsGrid: number[];
  /** interpolants whose fields are also learned */
  learned: InterpolantName[];
  /** the diffusion level the learned fields' SDE runs at */
  learnedEps: number;
  net: { hidden: number[]; steps: number; batchSize: number; lr: number };
}

export const TARGET = gmm(Array(8).fill(1 / 8), Array.from({ length: 8 }, (_, k) => [3 * Math.cos((k * Math.PI) / 4), 3 * Math.sin((k * Math.PI) / 4)]), 0.0625);
export const INTERPOLANTS: Record<InterpolantName, Interpolant> = { linear: linearInterpolant(2), trig: trigInterpolant(2) };
const BANDWIDTH = 0.5;
/** The yardstick, in data units: the MMD^2 of the target against itself with every component's sd 10% larger. */
export const MARGIN = mmd2Gmm(TARGET, gmm(TARGET.weights, TARGET.means, TARGET.vars.map((v) => v * 1.1 ** 2)), BANDWIDTH);
/** A usable model: no further from the target than the target with every component's sd doubled. */
const USABLE = mmd2Gmm(TARGET, gmm(TARGET.weights, TARGET.means, TARGET.vars.map((v) => v * 4)), BANDWIDTH);
/** Learned fields are trained on and evaluated at t in [T_MIN, 1 - T_MIN] (their error grows as 1/gamma at the ends). */
const T_MIN = 0.01;

export interface F2Seed {
  rows: ClaimResult['rows'];
  /** MMD^2 to rho1, by sampler ('linear eps 0.25', 'trig learned ODE', ...) */
  mmd2: Record<string, number>;
}

const samplerName = (name: InterpolantName, eps: number) => `${name} eps ${eps}`;

export async function seedF2(p: F2Params, seed: number): Promise<F2Seed> {
  const rng = new Rng(seed);
  const out: F2Seed = { rows: [], mmd2: {} };
  const record = (name: string, fields: string, x: Float64Array) => {
    out.mmd2[name] = mmd2ToGmm(x, TARGET, BANDWIDTH);
    out.rows.push({ seed, sampler: name, fields, mmd2ToTarget: out.mmd2[name] });
  };
  // a draw of the target itself: its MMD^2 is 0 in expectation (reported, the null's spread at this n)
  record('exact draw of the target', 'none', sampleGmm(TARGET, p.chains, rng.fork('exact draw')));
  const x0 = Float64Array.from({ length: 2 * p.chains }, (() => { const r = rng.fork('rho0'); return () => r.normal(); })());
  for (const name of ['linear', 'trig'] as const) {
    const f = gmmInterpolantFields(INTERPOLANTS[name], TARGET);
    for (const eps of p.epsGrid) {
      const x = eps === 0
        ? interpolantOde(f.velocity, x0, { steps: p.sdeSteps / 2 })
        : interpolantSde(f.velocity, f.score, x0, { steps: p.sdeSteps, eps, rng: rng.fork(`sde ${name} ${eps}`) });
      record(samplerName(name, eps), 'exact', x);
    }
  }
  for (const name of p.learned) {
    const net = await learnInterpolantFields(INTERPOLANTS[name], sampleGmm(TARGET, 20000, rng.fork(`training data ${name}`)), 2, { ...p.net, tMin: T_MIN, rng: rng.fork(`net ${name}`) });
    try {
      record(`${name} learned ODE`, 'learned', interpolantOde(net.velocity, x0, { steps: p.sdeSteps / 2 }));
      record(`${name} learned eps ${p.learnedEps}`, 'learned', interpolantSde(net.velocity, net.score, x0, { steps: p.sdeSteps, eps: p.learnedEps, rng: rng.fork(`learned sde ${name}`) }));
    } finally {
      net.dispose();
    }
  }
  return out;
}

/**
 * The transport equation d rho/dt + div(b rho) = 0 and the Fokker-Planck equation with drift b + eps score
 * and diffusion eps, by central differences at points between the modes: the worst residual relative to
 * the size of the terms it sums, over both interpolants, t in {0.2, 0.5, 0.8} and eps in {0, 1}.
 */
export function equationResidual(): number {
  let worst = 0;
  for (const I of Object.values(INTERPOLANTS)) {
    const f = gmmInterpolantFields(I, TARGET);
    const rho = (x: number, y: number, t: number) => Math.exp(f.logDensity(Float64Array.of(x, y), t)[0]);
    const flux = (x: number, y: number, t: number, eps: number) => {
      const pt = Float64Array.of(x, y);
      const [b, s, r] = [f.velocity(pt, t), f.score(pt, t), rho(x, y, t)];
      return [r * (b[0] + eps * s[0]), r * (b[1] + eps * s[1])];
    };
    const [h, H] = [1e-4, 1e-3];
    for (const t of [0.2, 0.5, 0.8]) for (const [x, y] of [[1, 0.5], [2, 2], [-1.5, 0.3], [0, -2.5]]) for (const eps of [0, 1]) {
      const dt = (rho(x, y, t + h) - rho(x, y, t - h)) / (2 * h);
      const div = (flux(x + h, y, t, eps)[0] - flux(x - h, y, t, eps)[0]) / (2 * h) + (flux(x, y + h, t, eps)[1] - flux(x, y - h, t, eps)[1]) / (2 * h);
      const lap = (rho(x + H, y, t) + rho(x - H, y, t) + rho(x, y + H, t) + rho(x, y - H, t) - 4 * rho(x, y, t)) / (H * H);
      const scale = Math.abs(dt) + Math.abs(div) + eps * Math.abs(lap);
      if (scale > 1e-10) worst = Math.max(worst, Math.abs(dt + div - eps * lap) / scale);
    }
  }
  return worst;
}

export function summarizeF2(p: F2Params, perSeed: F2Seed[]): ClaimResult {
  const m = (name: string) => perSeed.map((s) => s.mmd2[name]);
  const sampler = (eps: number) => (eps === 0 ? `ODE (${p.sdeSteps / 2} Heun steps)` : `SDE eps = ${eps} (${p.sdeSteps} Euler-Maruyama steps)`);
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: `exactLinearEps${String(p.epsGrid.at(-1)).replace('.', 'p')}`,
      effects: [
        ...(['linear', 'trig'] as const).flatMap((name) => p.epsGrid.map((eps) => meanOf(`exact${name === 'linear' ? 'Linear' : 'Trig'}Eps${String(eps).replace('.', 'p')}`,
          `MMD^2 to the target, ${name} interpolant, ${sampler(eps)}, exact fields`, m(samplerName(name, eps)),
          { kind: 'equivalence', margin: MARGIN }, { unit: 'MMD^2', digits: 6, part: 'deterministic and stochastic samplers have the marginals of the interpolant' }))),
        ...p.learned.map((name) => paired(`learned${name === 'linear' ? 'Linear' : 'Trig'}`,
          `MMD^2 to the target, ${name} interpolant, learned fields: ODE - SDE eps = ${p.learnedEps}`, m(`${name} learned ODE`), m(`${name} learned eps ${p.learnedEps}`),
          { kind: 'direction', sign: 1, smallest: MARGIN }, { unit: 'MMD^2', digits: 6, part: 'with learned fields eps > 0 is more robust' })),
      ],
      premise: [
        // a sampler comparison needs fields that sample the data roughly
        ...p.learned.map((name) => premise(`learnedUsable${name === 'linear' ? 'Linear' : 'Trig'}`, `MMD^2 to the target of the ${name} interpolant's better learned sampler (mean over seeds; the target with doubled component sd is at ${USABLE.toExponential(2)})`,
          Math.min(mean(m(`${name} learned ODE`)), mean(m(`${name} learned eps ${p.learnedEps}`))), { atMost: USABLE }, { digits: 6 })),
      ],
      checks: [check('fokkerPlanck', 'd rho/dt + div((b + eps s) rho) - eps Laplacian(rho), relative, worst at 24 points (eps 0 and 1, both interpolants)', equationResidual(), 0, 1e-5)],
      numbers: { seeds: perSeed.length, margin: MARGIN, exactDrawMmd2: mean(m('exact draw of the target')) },
    }),
    figures: figuresF2(perSeed),
  };
}

function figuresF2(perSeed: F2Seed[]): Figure[] {
  return [
    barFigure('MMD^2 of each sampler\'s draws to the eight-Gaussian target (unbiased, 0 for an exact sampler; mean over seeds, 95% t interval)', 'MMD^2',
      Object.keys(perSeed[0].mmd2).map((name) => seedBar(name, perSeed.map((s) => s.mmd2[name])))),
  ];
}

const common = { epsGrid: [0, 0.25, 1], learnedEps: 0.5 };

export const claim = defineClaim<F2Params, F2Seed>({
  id: 'F2',
  slug: 'stochastic-interpolants',
  paper: 'Stochastic Interpolants: A Unifying Framework for Flows and Diffusions (Albergo, Boffi & Vanden-Eijnden 2023)',
  claim: 'a stochastic interpolant\'s velocity and score give a deterministic sampler and stochastic samplers at any diffusion level eps with the same marginals; with learned fields eps > 0 is the more robust',
  setting: 'rho0 = N(0, I) in 2-D to eight Gaussians (sd 0.25) on a circle of radius 3; linear and trigonometric interpolants with gamma = sqrt(2 t (1 - t)); exact closed-form fields: ODE (Heun) and SDEs (Euler-Maruyama, twice the steps) at eps in {0.25, 1}; ' +
    'learned fields: one MLP on the paper\'s quadratic objectives for v and the denoiser eta (b = v + gamma\' eta, score = -eta/gamma, t in [0.01, 0.99]), ODE against SDE at eps = 0.5; MMD^2 (Gaussian kernel, bandwidth 0.5) to the target in closed form. ' +
    'Full: 10 seeds, 5000 chains, 1000 SDE steps, both interpolants learned with a 3-128-128-4 net trained 4000 steps; ci, cut to the CI budget: 5 seeds, 1000 chains, 100 SDE steps, the linear interpolant learned with a 3-64-64-4 net trained 400 steps',
  rule: 'margin m = the MMD^2 of the target against itself with component sd 10% larger (1.89e-4); exact fields: each sampler\'s MMD^2 to the target within +-m of 0 (TOST over seeds), both interpolants, eps in {0, 0.25, 1}; ' +
    'learned fields: ODE - SDE (eps = 0.5) MMD^2 above 0 and not wholly below m (paired t) for each learned interpolant; ' +
    'premise: a learned sampler no further from the target than the target with doubled component sd; check: the transport and Fokker-Planck equations by finite differences (relative 1e-5)',
  scales: {
    smoke: { seeds: [1, 2], ...common, chains: 300, sdeSteps: 60, learned: ['linear'], net: { hidden: [32, 32], steps: 150, batchSize: 128, lr: 5e-3 } },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, chains: 1000, sdeSteps: 100, learned: ['linear'], net: { hidden: [64, 64], steps: 400, batchSize: 256, lr: 5e-3 } },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, chains: 5000, sdeSteps: 1000, learned: ['linear', 'trig'], net: { hidden: [128, 128], steps: 4000, batchSize: 512, lr: 5e-3 } },
  },
  seed: seedF2,
  summarize: summarizeF2,
});
