/**
 * Noising processes x_t = alpha(t) x_0 + sigma(t) eps, eps ~ N(0, I), t in [0, 1], as the linear SDE
 * dx = f(t) x dt + g(t) dW of Song et al. 2021 ("Score-Based Generative Modeling through Stochastic
 * Differential Equations"). Its marginals fix f and g: f = d/dt log alpha and
 * g^2 = d sigma^2/dt - 2 f sigma^2 (the variance ODE of a linear SDE). Also the discrete DDPM
 * schedules (Ho et al. 2020; Nichol & Dhariwal 2021) and the zero-terminal-SNR rescaling of Lin et
 * al. 2024 ("Common diffusion noise schedules and sample steps are flawed").
 */

/** A forward noising process with Gaussian marginals x_t = alpha(t) x_0 + sigma(t) eps. */
export interface NoisingProcess {
  /** a label with the parameters, for tables */
  readonly name: string;
  /** signal scale of x_t */
  alpha(t: number): number;
  /** noise scale of x_t */
  sigma(t: number): number;
  /** drift coefficient: the forward SDE is dx = f(t) x dt + g(t) dW */
  f(t: number): number;
  /** squared diffusion coefficient g(t)^2 */
  g2(t: number): number;
}

/**
 * The VP SDE (Song et al. 2021, DDPM's continuous limit): beta(t) = betaMin + t (betaMax - betaMin),
 * alpha = exp(-1/2 int_0^t beta), sigma^2 = 1 - alpha^2, f = -beta/2, g^2 = beta.
 */
export function vpLinear(betaMin = 0.1, betaMax = 20): NoisingProcess {
  if (!(betaMin >= 0 && betaMax >= betaMin && Number.isFinite(betaMax))) throw new Error(`vpLinear: need 0 <= betaMin <= betaMax < Infinity, got betaMin=${betaMin}, betaMax=${betaMax}`);
  const beta = (t: number) => betaMin + t * (betaMax - betaMin);
  const integral = (t: number) => betaMin * t + 0.5 * (betaMax - betaMin) * t * t;
  return {
    name: `vp-linear(${betaMin}, ${betaMax})`,
    alpha: (t) => Math.exp(-0.5 * integral(t)),
    // -expm1 keeps sigma accurate at small t, where 1 - alpha^2 would cancel
    sigma: (t) => Math.sqrt(-Math.expm1(-integral(t))),
    f: (t) => -0.5 * beta(t),
    g2: beta,
  };
}

/**
 * The VE SDE (Song et al. 2021, NCSN's continuous limit): alpha = 1, sigma(t) = sigmaMin
 * (sigmaMax/sigmaMin)^t, f = 0, g^2 = d sigma^2/dt = 2 sigma^2 log(sigmaMax/sigmaMin). As in the paper,
 * sigma(0) = sigmaMin > 0: t = 0 is the data perturbed at sigmaMin.
 */
export function veGeometric(sigmaMin = 0.01, sigmaMax = 50): NoisingProcess {
  if (!(sigmaMin > 0 && sigmaMax > sigmaMin && Number.isFinite(sigmaMax))) throw new Error(`veGeometric: need 0 < sigmaMin < sigmaMax < Infinity, got sigmaMin=${sigmaMin}, sigmaMax=${sigmaMax}`);
  const logRatio = Math.log(sigmaMax / sigmaMin);
  const sigma = (t: number) => sigmaMin * Math.exp(t * logRatio);
  return {
    name: `ve-geometric(${sigmaMin}, ${sigmaMax})`,
    alpha: () => 1,
    sigma,
    f: () => 0,
    g2: (t) => 2 * sigma(t) ** 2 * logRatio,
  };
}

/**
 * A discrete DDPM schedule over steps 0..T-1 (paper step t + 1): x_t = sqrt(alphaBar[t]) x_0 +
 * sqrt(1 - alphaBar[t]) eps, alphaBar[t] = prod_{s <= t} (1 - betas[s]).
 */
export interface DiscreteSchedule {
  betas: Float64Array;
  alphaBar: Float64Array;
}

function fromBetas(betas: Float64Array): DiscreteSchedule {
  const alphaBar = new Float64Array(betas.length);
  let prod = 1;
  betas.forEach((b, t) => (alphaBar[t] = prod *= 1 - b));
  return { betas, alphaBar };
}

function checkT(T: number, who: string): void {
  if (!(Number.isInteger(T) && T >= 1)) throw new Error(`${who}: T must be an integer >= 1, got ${T}`);
}

/** Ho et al. 2020's linear betas from beta1 to betaT over T steps (1e-4..0.02 at T = 1000). */
export function linearBetas(T: number, beta1 = 1e-4, betaT = 0.02): DiscreteSchedule {
  checkT(T, 'linearBetas');
  if (!(beta1 > 0 && betaT > 0 && beta1 < 1 && betaT < 1)) throw new Error(`linearBetas: beta1 and betaT must lie in (0, 1), got beta1=${beta1}, betaT=${betaT}`);
  return fromBetas(Float64Array.from({ length: T }, (_, t) => beta1 + ((betaT - beta1) * t) / Math.max(1, T - 1)));
}

/**
 * Stable Diffusion's "scaled linear" betas: linear in sqrt(beta) from sqrt(beta1) to sqrt(betaT)
 * (0.00085 .. 0.012 at T = 1000, alphaBar[T-1] ~ 0.0047: a terminal SNR that is small but not 0).
 */
export function scaledLinearBetas(T: number, beta1 = 0.00085, betaT = 0.012): DiscreteSchedule {
  checkT(T, 'scaledLinearBetas');
  if (!(beta1 > 0 && betaT > 0 && beta1 < 1 && betaT < 1)) throw new Error(`scaledLinearBetas: beta1 and betaT must lie in (0, 1), got beta1=${beta1}, betaT=${betaT}`);
  const [a, b] = [Math.sqrt(beta1), Math.sqrt(betaT)];
  return fromBetas(Float64Array.from({ length: T }, (_, t) => (a + ((b - a) * t) / Math.max(1, T - 1)) ** 2));
}

/**
 * Nichol & Dhariwal 2021's cosine schedule: alphaBar(t) = h(t)/h(0), h(t) = cos^2((t/T + s)/(1 + s) pi/2),
 * betas = 1 - alphaBar(t)/alphaBar(t-1) clipped at 0.999 (as the paper does, so the last step is not
 * singular); alphaBar is the product of the clipped betas.
 */
export function cosineSchedule(T: number, s = 0.008): DiscreteSchedule {
  checkT(T, 'cosineSchedule');
  if (!(s >= 0 && Number.isFinite(s))) throw new Error(`cosineSchedule: s must be a finite number >= 0, got ${s}`);
  const h = (t: number) => Math.cos(((t / T + s) / (1 + s)) * (Math.PI / 2)) ** 2;
  return fromBetas(Float64Array.from({ length: T }, (_, i) => Math.min(0.999, 1 - h(i + 1) / h(i))));
}

/**
 * Lin et al. 2024's Algorithm 1: shift and scale sqrt(alphaBar) linearly so that its first value is
 * unchanged and its last is exactly 0 (zero terminal SNR: x_{T-1} is pure noise, as the sampler's prior
 * assumes), then recover betas = 1 - alphaBar[t]/alphaBar[t-1] (so betas[T-1] = 1). An eps-prediction
 * sampler cannot take the last step of such a schedule (x_0 is not identified from eps when alphaBar = 0);
 * Lin et al. switch to v-prediction for that reason.
 */
export function zeroTerminalSnr(schedule: DiscreteSchedule): DiscreteSchedule {
  const { alphaBar } = schedule;
  const T = alphaBar.length;
  if (T < 2) throw new Error(`zeroTerminalSnr: the schedule needs at least 2 steps, got ${T}`);
  const root = Float64Array.from(alphaBar, Math.sqrt);
  const [first, last] = [root[0], root[T - 1]];
  if (!(first > last)) throw new Error(`zeroTerminalSnr: schedule.alphaBar must decrease from first to last, got ${alphaBar[0]} .. ${alphaBar[T - 1]}`);
  const scale = first / (first - last);
  const out = Float64Array.from(root, (r, t) => (t === 0 ? alphaBar[0] : t === T - 1 ? 0 : ((r - last) * scale) ** 2));
  const betas = Float64Array.from(out, (ab, t) => (t === 0 ? 1 - ab : 1 - ab / out[t - 1]));
  return { betas, alphaBar: out };
}

/** Signal-to-noise ratio alpha^2/sigma^2 of a process at time t. */
export function snr(process: NoisingProcess, t: number): number;
/** Signal-to-noise ratio alphaBar/(1 - alphaBar) of a discrete schedule, per step. */
export function snr(schedule: DiscreteSchedule): Float64Array;
export function snr(p: NoisingProcess | DiscreteSchedule, t?: number): number | Float64Array {
  if (isSchedule(p)) return Float64Array.from(p.alphaBar, (ab) => ab / (1 - ab));
  if (t === undefined) throw new Error('snr: a process needs the time t');
  return (p.alpha(t) / p.sigma(t)) ** 2;
}

/** Whether `p` is a discrete schedule rather than a continuous process. */
export function isSchedule(p: NoisingProcess | DiscreteSchedule): p is DiscreteSchedule {
  return (p as DiscreteSchedule).alphaBar instanceof Float64Array;
}
