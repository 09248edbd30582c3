/**
 * F9. One More Step (Hu et al. 2024), on the flaw it fixes (Lin et al. 2024, "Common diffusion noise
 * schedules and sample steps are flawed"): a training schedule whose terminal SNR is not zero leaves
 * some of the data in the last noised state, low frequencies most (an image's mean brightness, summed
 * over all its pixels, survives the noise best); sampling starts from pure N(0, I) instead, so the
 * brightness the model would have read there is missing, and the samples' brightness varies less than
 * the data's. A zero-terminal-SNR schedule (or an extra step from pure noise) removes the mismatch.
 *
 * Setting, on exact footing: "images" of d pixels, x = b 1 + e with brightness b ~ N(0, vb) shared by
 * the pixels and e ~ N(0, vp I); its covariance vp I + vb 1 1^T has eigenvalue vp + d vb along the
 * brightness direction u = 1/sqrt(d) and vp across it, so the exact posterior mean E[x_0 | x_t] is closed
 * form (below). DDIM (250 steps, trailing) from pure N(0, I), on Stable Diffusion's scaled-linear
 * schedule (terminal alphaBar ~ 0.0047) and on the same schedule rescaled to zero terminal SNR, both with
 * the exact x0-prediction (which, unlike eps, is defined at alphaBar = 0). The brightness of a sample is
 * its pixel mean; the data's brightness variance is vb + vp / d.
 */
import { lineFigure, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { ddimSampleX0, scaledLinearBetas, zeroTerminalSnr, type DiscreteSchedule, type StepX0 } from '../techniques/diffusion/index.js';
import { check, meanOf, slopeOf, verdict } from './kit/verdict.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface F9Params extends BaseParams {
  chains: number;
  dims: number[];
  /** DDIM steps */
  steps: number;
  /** brightness and pixel variances */
  vb: number;
  vp: number;
}

/** The schedules compared: Stable Diffusion's, and the same rescaled to zero terminal SNR (Lin et al.). */
export const SCHEDULES: Record<string, DiscreteSchedule> = { 'scaled linear (SD)': scaledLinearBetas(1000), 'zero terminal SNR': zeroTerminalSnr(scaledLinearBetas(1000)) };
const [SD, ZERO] = Object.keys(SCHEDULES);
/** "Matches the data's variance" is within 5% of it; "compresses" is at least 5% below it. */
const MARGIN = 0.05;

/**
 * E[x_0 | x_t] for x_0 ~ N(0, vp I + vb 1 1^T): along the brightness direction the shrinkage is
 * a lu / (a^2 lu + s^2) with lu = vp + d vb, across it a vp / (a^2 vp + s^2); per chain of d pixels
 * x0 = k_perp x + (k_u - k_perp) mean(x) 1.
 */
export function brightnessX0(schedule: DiscreteSchedule, d: number, vb: number, vp: number): StepX0 {
  const lu = vp + d * vb;
  return (x, t) => {
    const ab = schedule.alphaBar[t];
    const [a, s2] = [Math.sqrt(ab), 1 - ab];
    const [ku, kp] = [(a * lu) / (a * a * lu + s2), (a * vp) / (a * a * vp + s2)];
    const out = new Float64Array(x.length);
    for (let c = 0; c < x.length; c += d) {
      let m = 0;
      for (let j = 0; j < d; j++) m += x[c + j];
      m /= d;
      for (let j = 0; j < d; j++) out[c + j] = kp * x[c + j] + (ku - kp) * m;
    }
    return out;
  };
}

/**
 * The sampled brightness variance over the data's, exactly: along u the x0-prediction is k_u x, so each
 * DDIM step multiplies the u-coordinate by r = sqrt(ab') k_u + sqrt(1 - ab') (1 - sqrt(ab) k_u)/sqrt(1 - ab);
 * from N(0, 1) the final variance is the product of r^2, against the data's lu.
 */
export function exactRatio(schedule: DiscreteSchedule, d: number, vb: number, vp: number, steps: number): number {
  const lu = vp + d * vb;
  const T = schedule.alphaBar.length;
  let v = 1;
  const idx = Array.from({ length: steps }, (_, i) => Math.round(T - (i * T) / steps) - 1);
  idx.forEach((t, i) => {
    const ab = schedule.alphaBar[t];
    const abPrev = i + 1 < idx.length ? schedule.alphaBar[idx[i + 1]] : 1;
    const ku = (Math.sqrt(ab) * lu) / (ab * lu + 1 - ab);
    const r = Math.sqrt(abPrev) * ku + Math.sqrt(1 - abPrev) * ((1 - Math.sqrt(ab) * ku) / Math.sqrt(1 - ab));
    v *= r * r;
  });
  return v / lu;
}

export interface F9Seed {
  rows: ClaimResult['rows'];
  /** sampled brightness variance / the data's, per schedule and d */
  ratio: Record<string, number>;
}

const key = (schedule: string, d: number) => `${schedule} d=${d}`;

export async function seedF9(p: F9Params, seed: number): Promise<F9Seed> {
  const rng = new Rng(seed);
  const out: F9Seed = { rows: [], ratio: {} };
  for (const d of p.dims) {
    const prior = rng.fork(`prior ${d}`);
    const xT = new Float64Array(p.chains * d);
    for (let i = 0; i < xT.length; i++) xT[i] = prior.normal();
    const dataVar = p.vb + p.vp / d;
    for (const [name, schedule] of Object.entries(SCHEDULES)) {
      const x = ddimSampleX0(schedule, brightnessX0(schedule, d, p.vb, p.vp), xT, { steps: p.steps });
      const b = new Float64Array(p.chains);
      for (let c = 0; c < p.chains; c++) { let m = 0; for (let j = 0; j < d; j++) m += x[c * d + j]; b[c] = m / d; }
      const mb = mean(Array.from(b));
      const varB = b.reduce((s, v) => s + (v - mb) ** 2, 0) / (p.chains - 1);
      out.ratio[key(name, d)] = varB / dataVar;
      out.rows.push({ seed, d, schedule: name, brightnessVariance: varB, dataBrightnessVariance: dataVar, ratio: varB / dataVar, exactRatio: exactRatio(schedule, d, p.vb, p.vp, p.steps) });
    }
  }
  return out;
}

export function summarizeF9(p: F9Params, perSeed: F9Seed[]): ClaimResult {
  const r = (name: string, d: number) => perSeed.map((s) => s.ratio[key(name, d)]);
  const last = p.dims[p.dims.length - 1];
  const zeroX0 = brightnessX0(SCHEDULES[ZERO], 4, p.vb, p.vp)(Float64Array.of(1, -2, 3, 0.5), SCHEDULES[ZERO].alphaBar.length - 1);
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: `compressionD${last}`,
      effects: [
        // compression decides at the image-like size (784 pixels); at smaller d the leak is smaller by the
        // claim's own account, and is reported (the exact ratio at d = 64 is 0.969: a 3% shortfall)
        ...p.dims.map((d) => meanOf(`compressionD${d}`, `d = ${d}: sampled brightness variance / the data's, scaled-linear schedule`, r(SD, d), { kind: 'direction', sign: -1, reference: 1, smallest: MARGIN },
          { unit: 'variance ratio', part: 'a non-zero terminal SNR compresses brightness variation', decides: d === last })),
        ...p.dims.map((d) => meanOf(`zeroSnrD${d}`, `d = ${d}: sampled brightness variance / the data's, zero terminal SNR`, r(ZERO, d), { kind: 'equivalence', margin: MARGIN, target: 1 },
          { unit: 'variance ratio', part: 'zero terminal SNR removes it' })),
        slopeOf('gapGrowsWithD', 'brightness variance lost (1 - ratio), scaled-linear schedule, against log d (seeds pooled)',
          p.dims.flatMap((d) => perSeed.map(() => Math.log(d))), p.dims.flatMap((d) => r(SD, d).map((v) => 1 - v)), { kind: 'direction', sign: 1, smallest: 0 },
          { unit: 'per log d', part: 'the loss grows with the dimension' }),
      ],
      // at zero terminal SNR the last state holds nothing of x_0: the exact prediction there is the data's mean, 0
      checks: [check('zeroSnrPredictsMean', 'x0-prediction at alphaBar = 0 (largest |value|; the data mean is 0)', Math.max(...Array.from(zeroX0, Math.abs)), 0, 1e-12)],
      numbers: {
        seeds: perSeed.length, terminalAlphaBarSd: SCHEDULES[SD].alphaBar[999],
        ...Object.fromEntries(p.dims.flatMap((d) => [[`exactRatioSdD${d}`, exactRatio(SCHEDULES[SD], d, p.vb, p.vp, p.steps)], [`exactRatioZeroD${d}`, exactRatio(SCHEDULES[ZERO], d, p.vb, p.vp, p.steps)]])),
      },
    }),
    figures: figuresF9(p, perSeed),
  };
}

function figuresF9(p: F9Params, perSeed: F9Seed[]): Figure[] {
  return [
    lineFigure('Sampled brightness variance / the data\'s, by dimension (mean over seeds; lines: exact)', 'pixels d', 'variance ratio', [
      ...Object.keys(SCHEDULES).flatMap((name) => [
        { name: `${name} (sampled)`, x: p.dims, y: p.dims.map((d) => mean(perSeed.map((s) => s.ratio[key(name, d)]))), mode: 'lines+markers' as const },
        { name: `${name} (exact)`, x: p.dims, y: p.dims.map((d) => exactRatio(SCHEDULES[name], d, p.vb, p.vp, p.steps)), mode: 'lines' as const },
      ]),
    ], { logX: true }),
  ];
}

// 250 DDIM steps, not SD's usual 50: at 50 the sampler's own discretisation loses ~9% of the brightness variance
// even at zero terminal SNR (exact ratio 0.909 at d = 784), which would confound the schedule's effect; at 250
// that shortfall is ~2% (0.976). The exact recursion (exactRatio) and pilot seeds 101-103 showed it before the
// verdict run.
const common = { dims: [64, 256, 784], steps: 250, vb: 0.09, vp: 0.25 };

export const claim = defineClaim<F9Params, F9Seed>({
  id: 'F9',
  slug: 'terminal-snr',
  paper: 'One More Step: A Versatile Plug-and-Play Module for Rectifying Diffusion Schedule Flaws and Enhancing Low-Frequency Controls (Hu et al. 2024)',
  claim: 'a schedule with non-zero terminal SNR leaks brightness into the last step, so sampling from pure N(0, I) compresses brightness variation, more so in higher dimension; a zero-terminal-SNR schedule fixes it',
  setting: '"images" of d in {64, 256, 784} pixels, x = b 1 + e, brightness variance 0.09, pixel variance 0.25 (exact posterior mean); DDIM, 250 trailing steps (at 50 the sampler itself loses ~9% at d = 784), from pure N(0, I), exact x0-prediction, ' +
    'on Stable Diffusion\'s scaled-linear schedule (alphaBar_T ~ 0.0047) and on it rescaled to zero terminal SNR (Lin et al.); 4000 chains, 10 seeds at full; ci, cut to the CI budget: 200 chains, 5 seeds. ' +
    'The One More Step module itself (a learned extra step) is not built: its premise and the schedule fix are',
  rule: 'at d = 784: sampled brightness variance / the data\'s below 1 by at least 0.05 on the scaled-linear schedule (95% t interval; smaller d reported); per d: within +-0.05 of 1 at zero terminal SNR (TOST); ' +
    'the lost share 1 - ratio grows with log d (slope t, seeds pooled); check: at alphaBar = 0 the exact x0-prediction is the data mean; exact ratios reported',
  scales: {
    smoke: { seeds: [1, 2], ...common, chains: 100, steps: 50, dims: [64, 256] },
    ci: { seeds: [1, 2, 3, 4, 5], ...common, chains: 200 },
    full: { seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...common, chains: 4000 },
  },
  seed: seedF9,
  summarize: summarizeF9,
});
