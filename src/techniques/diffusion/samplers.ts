/**
 * Samplers that turn a score (or eps-prediction) into draws, run on a uniform time grid from tMax
 * (default 1) down to tMin (default 1e-3, Song et al. 2021's epsilon):
 * - the reverse-time SDE dx = [f x - g^2 score] dt + g dW-bar (Anderson 1982), Euler-Maruyama;
 * - the probability-flow ODE dx/dt = f x - (g^2/2) score, whose marginals are the SDE's (Song et al. 2021);
 * - predictor-corrector sampling (Song et al. 2021, Algorithm 1 with the Langevin corrector's step-size
 *   rule of Algorithms 4 and 5);
 * - ancestral DDPM sampling (Ho et al. 2020) and DDIM (Song, Meng & Ermon 2021) on a discrete schedule.
 * Points are n x d row-major; samplers never modify their input.
 */
import type { Rng } from '../../random/rng.js';
import { isSchedule, type DiscreteSchedule, type NoisingProcess } from './process.js';

/** A score model: grad_x log p_t at the n x d points x (row-major), as n x d. */
export type TimeScore = (x: Float64Array, t: number) => Float64Array;

/** An eps-prediction model on a discrete schedule: E[eps | x_t = x] at step t (0..T-1), n x d. */
export type StepEps = (x: Float64Array, t: number) => Float64Array;

/** The time grid: where to start and stop, and how many uniform steps between. */
export interface TimeGrid {
  steps: number;
  /** the last time, > 0 where the score blows up at t = 0 (default 1e-3) */
  tMin?: number;
  /** the first time (default 1) */
  tMax?: number;
}

/** steps + 1 times from tMax down to tMin. */
export function timeGrid(opts: TimeGrid, who = 'timeGrid'): Float64Array {
  const { steps } = opts;
  const [tMin, tMax] = [opts.tMin ?? 1e-3, opts.tMax ?? 1];
  if (!(Number.isInteger(steps) && steps >= 1)) throw new Error(`${who}: steps must be an integer >= 1, got ${steps}`);
  if (!(tMin >= 0 && tMax > tMin && tMax <= 1)) throw new Error(`${who}: need 0 <= tMin < tMax <= 1, got tMin=${tMin}, tMax=${tMax}`);
  return Float64Array.from({ length: steps + 1 }, (_, k) => (k === steps ? tMin : tMax - ((tMax - tMin) * k) / steps));
}

function checkScore(s: Float64Array, x: Float64Array, who: string): Float64Array {
  if (s.length !== x.length) throw new Error(`${who}: the score returned ${s.length} values for ${x.length} inputs`);
  return s;
}

/** Options of {@link reverseSde}. */
export interface ReverseSdeOptions extends TimeGrid {
  rng: Rng;
}

/**
 * Euler-Maruyama on the reverse-time SDE from xT at tMax to tMin. The last step adds no noise (Song et
 * al.'s code returns that step's mean: its noise, of variance g^2 dt, would only blur the samples).
 */
export function reverseSde(process: NoisingProcess, score: TimeScore, xT: Float64Array, opts: ReverseSdeOptions): Float64Array {
  const ts = timeGrid(opts, 'reverseSde');
  const x = Float64Array.from(xT);
  for (let k = 0; k + 1 < ts.length; k++) emStep(process, score, x, ts[k], ts[k] - ts[k + 1], k + 2 < ts.length ? opts.rng : null, 'reverseSde');
  return x;
}

// x <- x - h (f x - g^2 s) + sqrt(g^2 h) z: one reverse step of length h from t (no noise when rng is null)
function emStep(process: NoisingProcess, score: TimeScore, x: Float64Array, t: number, h: number, rng: Rng | null, who: string): void {
  const s = checkScore(score(x, t), x, who);
  const [f, g2] = [process.f(t), process.g2(t)];
  const sd = Math.sqrt(g2 * h);
  for (let j = 0; j < x.length; j++) x[j] -= h * (f * x[j] - g2 * s[j]) - (rng ? sd * rng.normal() : 0);
}

/** Options of {@link probabilityFlow}. */
export interface ProbabilityFlowOptions extends TimeGrid {
  /** 'euler' (one score call a step) or 'heun' (two; second order). Default 'heun'. */
  method?: 'euler' | 'heun';
}

/** The probability-flow ODE's velocity dx/dt = f x - (g^2/2) score at (x, t). */
export function flowVelocity(process: NoisingProcess, score: TimeScore, x: Float64Array, t: number): Float64Array {
  const s = checkScore(score(x, t), x, 'flowVelocity');
  const [f, half] = [process.f(t), process.g2(t) / 2];
  const v = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) v[j] = f * x[j] - half * s[j];
  return v;
}

/** Integrates the probability-flow ODE from xT at tMax down to tMin (deterministic). */
export function probabilityFlow(process: NoisingProcess, score: TimeScore, xT: Float64Array, opts: ProbabilityFlowOptions): Float64Array {
  const ts = timeGrid(opts, 'probabilityFlow');
  const method = opts.method ?? 'heun';
  if (method !== 'euler' && method !== 'heun') throw new Error(`probabilityFlow: method must be 'euler' or 'heun', got ${String(method)}`);
  const x = Float64Array.from(xT);
  const euler = new Float64Array(x.length);
  for (let k = 0; k + 1 < ts.length; k++) {
    const dt = ts[k + 1] - ts[k];
    const v = flowVelocity(process, score, x, ts[k]);
    for (let j = 0; j < x.length; j++) euler[j] = x[j] + dt * v[j];
    if (method === 'euler') {
      x.set(euler);
      continue;
    }
    const v2 = flowVelocity(process, score, euler, ts[k + 1]);
    for (let j = 0; j < x.length; j++) x[j] += (dt / 2) * (v[j] + v2[j]);
  }
  return x;
}

/** Options of {@link predictorCorrector}. */
export interface PredictorCorrectorOptions extends TimeGrid {
  /** Langevin corrector steps after each predictor step (Song et al. use 1) */
  correctorSteps: number;
  /** the corrector's signal-to-noise ratio r (Song et al.: 0.16 for VE on CIFAR-10) */
  snr: number;
  rng: Rng;
}

/**
 * Predictor-corrector sampling: an Euler-Maruyama predictor step to t_{i+1}, then `correctorSteps`
 * Langevin steps x <- x + e s + sqrt(2e) z at t_{i+1} with e = 2 alpha_i (r |z| / |s|)^2 (Algorithms 4
 * and 5), alpha_i = 1 + 2 f h, which is 1 - beta_i for the VP SDE and 1 for the VE SDE. |z| and |s| are
 * norms over the whole batch, so one step size serves all points: a per-point ratio would explode
 * wherever the score is near 0, as it is at a 1-D mode. (Song et al.'s code averages per-image norms over
 * the batch; in high dimension norms concentrate and the two agree, in low dimension they differ by a
 * constant factor, a reparametrisation of r.)
 * The final predictor step adds no noise, as in {@link reverseSde}; with correctorSteps = 0 and the same
 * rng this is reverseSde.
 */
export function predictorCorrector(process: NoisingProcess, score: TimeScore, xT: Float64Array, opts: PredictorCorrectorOptions): Float64Array {
  const ts = timeGrid(opts, 'predictorCorrector');
  const { correctorSteps, snr, rng } = opts;
  if (!(Number.isInteger(correctorSteps) && correctorSteps >= 0)) throw new Error(`predictorCorrector: correctorSteps must be an integer >= 0, got ${correctorSteps}`);
  if (!(snr > 0 && Number.isFinite(snr))) throw new Error(`predictorCorrector: snr must be a finite number > 0, got ${snr}`);
  const x = Float64Array.from(xT);
  const z = new Float64Array(x.length);
  for (let k = 0; k + 1 < ts.length; k++) {
    const [t, h] = [ts[k + 1], ts[k] - ts[k + 1]];
    emStep(process, score, x, ts[k], h, k + 2 < ts.length ? rng : null, 'predictorCorrector');
    const alpha = 1 + 2 * process.f(t) * h;
    for (let c = 0; c < correctorSteps; c++) {
      const s = checkScore(score(x, t), x, 'predictorCorrector');
      for (let j = 0; j < z.length; j++) z[j] = rng.normal();
      let [zz, ss] = [0, 0];
      for (let j = 0; j < z.length; j++) [zz, ss] = [zz + z[j] * z[j], ss + s[j] * s[j]];
      const ratio = Math.sqrt(zz / ss);
      // a zero score (every point at a mode) leaves nothing to correct
      if (!Number.isFinite(ratio)) continue;
      const e = 2 * alpha * (snr * ratio) ** 2;
      const sd = Math.sqrt(2 * e);
      for (let j = 0; j < x.length; j++) x[j] += e * s[j] + sd * z[j];
    }
  }
  return x;
}

function checkSchedule(schedule: DiscreteSchedule, who: string): number {
  const T = schedule.alphaBar.length;
  if (T < 1 || schedule.betas.length !== T) throw new Error(`${who}: schedule.betas and schedule.alphaBar must have the same length >= 1, got ${schedule.betas.length} and ${T}`);
  return T;
}

/**
 * Ho et al. 2020's ancestral sampler (Algorithm 2) from xT at step T-1 down to step 0:
 * x <- (x - beta_t/sqrt(1 - alphaBar_t) eps)/sqrt(1 - beta_t) + sqrt(beta_t) z, without z at the last
 * step (sigma_t^2 = beta_t). A step with beta_t = 1 (zero terminal SNR) cannot be taken with eps.
 */
export function ddpmSample(schedule: DiscreteSchedule, eps: StepEps, xT: Float64Array, rng: Rng): Float64Array {
  const T = checkSchedule(schedule, 'ddpmSample');
  const x = Float64Array.from(xT);
  for (let t = T - 1; t >= 0; t--) {
    const [beta, ab] = [schedule.betas[t], schedule.alphaBar[t]];
    if (!(beta < 1 && ab > 0)) throw new Error(`ddpmSample: step ${t} has beta=${beta}, alphaBar=${ab}: x_0 is not identified from eps there (zero terminal SNR needs v- or x0-prediction)`);
    const e = checkScore(eps(x, t), x, 'ddpmSample');
    const k = beta / Math.sqrt(1 - ab);
    const scale = 1 / Math.sqrt(1 - beta);
    const sd = t > 0 ? Math.sqrt(beta) : 0;
    for (let j = 0; j < x.length; j++) x[j] = scale * (x[j] - k * e[j]) + (sd > 0 ? sd * rng.normal() : 0);
  }
  return x;
}

/** Which steps a strided sampler visits (Lin et al. 2024, Table 2). */
export type Spacing = 'leading' | 'linspace' | 'trailing';

/**
 * `steps` of 0..T-1, largest first. 'trailing' (Lin et al.'s fix) starts at T-1 and strides by T/steps;
 * 'leading' (DDIM's code: 0, c, 2c, .. with c = floor(T/steps)) never visits T-1 when steps < T, so its
 * first step sees less noise than the prior has; 'linspace' rounds linspace(0, T-1, steps).
 */
export function stepIndices(T: number, steps: number, spacing: Spacing = 'trailing'): Int32Array {
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= T)) throw new Error(`stepIndices: steps must be an integer in [1, T=${T}], got ${steps}`);
  const idx = new Int32Array(steps);
  for (let i = 0; i < steps; i++) {
    if (spacing === 'trailing') idx[i] = roundHalfEven(T - (i * T) / steps) - 1;
    else if (spacing === 'leading') idx[i] = (steps - 1 - i) * Math.floor(T / steps);
    else if (spacing === 'linspace') idx[i] = roundHalfEven(((steps - 1 - i) * (T - 1)) / Math.max(1, steps - 1));
    else throw new Error(`stepIndices: spacing must be 'leading', 'linspace' or 'trailing', got ${String(spacing)}`);
  }
  return idx;
}

// numpy's round (half to even), which the reference schedulers use: Math.round takes 812.5 to 813, numpy to 812
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * DDIM's deterministic move (eta = 0) of the points x from alphaBar `ab` to `abPrev` given their eps:
 * x0 = (x - sqrt(1 - ab) eps)/sqrt(ab), then sqrt(abPrev) x0 + sqrt(1 - abPrev) eps, written to `out`
 * (which may be x).
 */
export function ddimStep(x: Float64Array, e: Float64Array, ab: number, abPrev: number, out: Float64Array = new Float64Array(x.length)): Float64Array {
  const [sa, sb, sp, sq] = [Math.sqrt(ab), Math.sqrt(1 - ab), Math.sqrt(abPrev), Math.sqrt(1 - abPrev)];
  for (let j = 0; j < x.length; j++) out[j] = sp * ((x[j] - sb * e[j]) / sa) + sq * e[j];
  return out;
}

/** Options of {@link ddimSample}. */
export interface DdimOptions {
  /** how many steps of the schedule to visit (default all T) */
  steps?: number;
  /** 0: deterministic DDIM; 1: DDPM-like noise with the posterior variance (default 0) */
  eta?: number;
  /** which steps to visit when steps < T (default 'trailing') */
  spacing?: Spacing;
  /** needed when eta > 0 */
  rng?: Rng;
}

/**
 * DDIM (Song, Meng & Ermon 2021, eq. 12) on the visited steps t > t': x0 = (x - sqrt(1 - ab_t) eps)/sqrt(ab_t),
 * x <- sqrt(ab_t') x0 + sqrt(1 - ab_t' - sig^2) eps + sig z, sig = eta sqrt((1 - ab_t')/(1 - ab_t)) sqrt(1 - ab_t/ab_t'),
 * with ab = 1 after the last step (so it returns x0).
 */
export function ddimSample(schedule: DiscreteSchedule, eps: StepEps, xT: Float64Array, opts: DdimOptions = {}): Float64Array {
  const T = checkSchedule(schedule, 'ddimSample');
  const eta = opts.eta ?? 0;
  if (!(eta >= 0 && Number.isFinite(eta))) throw new Error(`ddimSample: eta must be a finite number >= 0, got ${eta}`);
  if (eta > 0 && !opts.rng) throw new Error('ddimSample: eta > 0 needs an rng');
  const idx = stepIndices(T, opts.steps ?? T, opts.spacing);
  const x = Float64Array.from(xT);
  for (let i = 0; i < idx.length; i++) {
    const t = idx[i];
    const ab = schedule.alphaBar[t];
    if (!(ab > 0)) throw new Error(`ddimSample: step ${t} has alphaBar=${ab}: x_0 is not identified from eps there (zero terminal SNR needs v- or x0-prediction)`);
    const abPrev = i + 1 < idx.length ? schedule.alphaBar[idx[i + 1]] : 1;
    const e = checkScore(eps(x, t), x, 'ddimSample');
    if (eta === 0) {
      ddimStep(x, e, ab, abPrev, x);
      continue;
    }
    const sig = eta * Math.sqrt(((1 - abPrev) / (1 - ab)) * (1 - ab / abPrev));
    const dir = Math.sqrt(Math.max(0, 1 - abPrev - sig * sig));
    const [sa, sb, sp] = [Math.sqrt(ab), Math.sqrt(1 - ab), Math.sqrt(abPrev)];
    for (let j = 0; j < x.length; j++) {
      const x0 = (x[j] - sb * e[j]) / sa;
      x[j] = sp * x0 + dir * e[j] + sig * opts.rng!.normal();
    }
  }
  return x;
}

/** An x0-prediction model on a discrete schedule: E[x_0 | x_t = x] at step t (0..T-1), n x d. */
export type StepX0 = (x: Float64Array, t: number) => Float64Array;

/**
 * DDIM (eta = 0) driven by an x0-prediction: eps = (x - sqrt(ab_t) x0)/sqrt(1 - ab_t), then the same step
 * as {@link ddimSample}. Unlike eps-prediction it can start at zero terminal SNR (alphaBar = 0, where x0
 * is not identified from eps), as Lin et al. 2024 need.
 */
export function ddimSampleX0(schedule: DiscreteSchedule, x0Pred: StepX0, xT: Float64Array, opts: { steps?: number; spacing?: Spacing } = {}): Float64Array {
  const T = checkSchedule(schedule, 'ddimSampleX0');
  const idx = stepIndices(T, opts.steps ?? T, opts.spacing);
  const x = Float64Array.from(xT);
  for (let i = 0; i < idx.length; i++) {
    const t = idx[i];
    const ab = schedule.alphaBar[t];
    if (!(ab < 1)) throw new Error(`ddimSampleX0: step ${t} has alphaBar=${ab}: no noise to remove`);
    const abPrev = i + 1 < idx.length ? schedule.alphaBar[idx[i + 1]] : 1;
    const x0 = checkScore(x0Pred(x, t), x, 'ddimSampleX0');
    const [sa, sb, sp, sq] = [Math.sqrt(ab), Math.sqrt(1 - ab), Math.sqrt(abPrev), Math.sqrt(1 - abPrev)];
    for (let j = 0; j < x.length; j++) x[j] = sp * x0[j] + sq * ((x[j] - sa * x0[j]) / sb);
  }
  return x;
}

/**
 * n draws of x_T, n x d: N(0, sigma(1)^2 I) for a process (N(0, sigmaMax^2 I) for VE; for VP
 * sigma(1)^2 = 1 - alpha(1)^2, within 5e-5 of Song et al.'s N(0, I) at the default betas), and
 * N(0, (1 - alphaBar[T-1]) I) for a schedule (1 at zero terminal SNR). The signal alpha x_0 left at
 * t = 1 is ignored, as every sampler here does.
 */
export function priorSample(p: NoisingProcess | DiscreteSchedule, n: number, d: number, rng: Rng): Float64Array {
  if (!(Number.isInteger(n) && n >= 0 && Number.isInteger(d) && d >= 1)) throw new Error(`priorSample: need integers n >= 0 and d >= 1, got n=${n}, d=${d}`);
  const sd = isSchedule(p) ? Math.sqrt(1 - p.alphaBar[p.alphaBar.length - 1]) : p.sigma(1);
  return Float64Array.from({ length: n * d }, () => sd * rng.normal());
}
