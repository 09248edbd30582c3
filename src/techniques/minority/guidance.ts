/**
 * Classifier guidance on DDIM (Dhariwal & Nichol 2021, Algorithm 2), as minority guidance uses it: the
 * noise prediction is shifted by the classifier's gradient, eps_hat = eps - sqrt(1 - alphaBar_t) w
 * grad log p(y | x_t), which is the noise prediction of the score s(x_t) + w grad log p(y | x_t). At w = 1
 * with an exact classifier this is the score of p_t(x_t | y), so DDIM samples p(x0 | y); w > 1 sharpens
 * towards y further.
 */
import { ddimStep, stepIndices, type DiscreteSchedule, type Spacing, type StepEps } from '../diffusion/index.js';

/** grad_{x_t} log p(y | x_t) at step t of the schedule, n x d. */
export type StepGuide = (x: Float64Array, t: number) => Float64Array;

/** Options of {@link classifierGuidedDdim}. */
export interface GuidedDdimOptions {
  /** visited steps (default all) */
  steps?: number;
  /** the guidance strength w (0: plain DDIM) */
  scale: number;
  spacing?: Spacing;
}

/** Deterministic DDIM (eta = 0) from xT with the classifier-guided noise prediction; returns x0. */
export function classifierGuidedDdim(schedule: DiscreteSchedule, eps: StepEps, guide: StepGuide, xT: Float64Array, opts: GuidedDdimOptions): Float64Array {
  const T = schedule.alphaBar.length;
  if (!(Number.isFinite(opts.scale))) throw new Error(`classifierGuidedDdim: scale must be finite, got ${opts.scale}`);
  const idx = stepIndices(T, opts.steps ?? T, opts.spacing ?? 'trailing');
  const x = Float64Array.from(xT);
  for (let i = 0; i < idx.length; i++) {
    const t = idx[i];
    const ab = schedule.alphaBar[t];
    if (!(ab > 0 && ab < 1)) throw new Error(`classifierGuidedDdim: step ${t} has alphaBar=${ab}, outside (0, 1)`);
    const abPrev = i + 1 < idx.length ? schedule.alphaBar[idx[i + 1]] : 1;
    const e = Float64Array.from(eps(x, t));
    if (e.length !== x.length) throw new Error(`classifierGuidedDdim: eps returned ${e.length} values for ${x.length}`);
    if (opts.scale !== 0) {
      const g = guide(x, t);
      if (g.length !== x.length) throw new Error(`classifierGuidedDdim: guide returned ${g.length} values for ${x.length}`);
      const k = Math.sqrt(1 - ab) * opts.scale;
      for (let j = 0; j < e.length; j++) e[j] -= k * g[j];
    }
    ddimStep(x, e, ab, abPrev, x);
  }
  return x;
}
