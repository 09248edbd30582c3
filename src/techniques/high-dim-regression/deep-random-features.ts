/**
 * Deep random features (Schröder, Cui, Dmitriev & Loureiro 2023): a fully connected network of L frozen
 * random layers, phi_0 = x ~ N(0, I_d), phi_l = sigma(W_l phi_{l-1}) for l = 1..L, read out linearly; the
 * features are z = phi_L / sqrt(k_L) (so that a readout theta . z with theta ~ N(0, I) has O(1) variance).
 *
 * Gaussian equivalent (the paper's linearisation, its Sec. 3 and App. on closed-form population
 * covariances): write the activation in Hermite terms at a unit-variance Gaussian input,
 * mu0 = E sigma(g), mu1 = E g sigma(g), mu*^2 = E sigma(g)^2 - mu0^2 - mu1^2. With preactivations of unit
 * variance and a centred activation (mu0 = 0), layer l's population covariance is, to leading order,
 *
 *   Omega_l = mu1^2 W_l Omega_{l-1} W_l^T + mu*^2 I,   Omega_0 = I,
 *
 * which is exactly the covariance of the linear Gaussian network g_l = mu1 W_l g_{l-1} + mu* xi_l with
 * fresh xi_l ~ N(0, I) at every layer (`deepGaussianEquivalentFeatures`). Layers are "suitably
 * normalised" here by scaling each row w of W_l (iid N(0, 1) entries before scaling) so that the
 * linearised preactivation variance w^T Omega_{l-1} w is exactly 1, the input variance at which mu1 and
 * mu* are computed.
 *
 * Matrix products run on the tensor engine (float32 BLAS on the native backend); covariances, spectra and
 * solves are float64.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../random/rng.js';
import { cholesky, choleskySolve, gaussianMatrix } from './linalg.js';

/** An activation: its scalar form (for the Hermite coefficients) and its tensor form (for the features). */
export interface DeepActivation {
  /** a readable name, e.g. 'tanh(2z)' */
  name: string;
  /** sigma(z) on numbers */
  f: (z: number) => number;
  /** sigma applied elementwise to a tensor */
  apply: (t: tf.Tensor) => tf.Tensor;
}

/** sigma(z) = tanh(gain z): odd (so centred), and more nonlinear at a unit-variance input as the gain grows. */
export function scaledTanh(gain: number): DeepActivation {
  if (!(gain > 0)) throw new Error(`scaledTanh: gain must be > 0, got ${gain}`);
  return { name: gain === 1 ? 'tanh(z)' : `tanh(${gain}z)`, f: (z) => Math.tanh(gain * z), apply: (t) => tf.tanh(gain === 1 ? t : tf.mul(t, gain)) };
}

/** Hermite coefficients of an activation at a standard Gaussian input. */
export interface HermiteCoefficients {
  /** E sigma(g) */
  mu0: number;
  /** E g sigma(g) (the linear part) */
  mu1: number;
  /** sqrt(E sigma(g)^2 - mu0^2 - mu1^2) (the nonlinear part) */
  muStar: number;
  /** E sigma(g)^2 */
  second: number;
}

/**
 * mu0, mu1, mu* of `f` for g ~ N(0, 1), by the trapezoid rule on [-12, 12] with `points` nodes
 * (spectrally accurate for smooth integrands against the Gaussian weight).
 */
export function hermiteCoefficients(f: (z: number) => number, points = 4001): HermiteCoefficients {
  if (!(Number.isInteger(points) && points >= 101)) throw new Error(`hermiteCoefficients: points must be an integer >= 101, got ${points}`);
  const L = 12, h = (2 * L) / (points - 1);
  let m0 = 0, m1 = 0, m2 = 0;
  for (let i = 0; i < points; i++) {
    const z = -L + h * i;
    const w = (Math.exp(-0.5 * z * z) * h) / Math.sqrt(2 * Math.PI) * (i === 0 || i === points - 1 ? 0.5 : 1);
    const s = f(z);
    m0 += w * s;
    m1 += w * z * s;
    m2 += w * s * s;
  }
  return { mu0: m0, mu1: m1, muStar: Math.sqrt(Math.max(0, m2 - m0 * m0 - m1 * m1)), second: m2 };
}

/** A deep random-feature network with its linearised population covariances. */
export interface DeepRandomNetwork {
  /** input dimension */
  d: number;
  /** k_1..k_L */
  widths: number[];
  /** W_l (k_l x k_{l-1}, row-major), rows scaled to unit linearised preactivation variance */
  weights: Float64Array[];
  /** the activation of every layer */
  activation: DeepActivation;
  /** its Hermite coefficients at a unit-variance input */
  coefficients: HermiteCoefficients;
  /** Omega_l (k_l x k_l, row-major) of the linearisation, l = 1..L */
  omegas: Float64Array[];
}

function toF64(t: tf.Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}

/** float32 values for a tensor (tfjs takes no Float64Array). */
function f32(a: ArrayLike<number>): Float32Array {
  return a instanceof Float32Array ? a : Float32Array.from(a);
}

/**
 * Draws a network x in R^d -> k_1 -> ... -> k_L: iid N(0, 1) weights, each row scaled to unit linearised
 * preactivation variance, and the linearised covariances Omega_1..Omega_L (module comment). The
 * activation must be centred (|mu0| < 1e-10), as the recursion assumes.
 */
export function deepRandomNetwork(d: number, widths: number[], activation: DeepActivation, rng: Rng): DeepRandomNetwork {
  if (!(Number.isInteger(d) && d > 0)) throw new Error(`deepRandomNetwork: d must be a positive integer, got ${d}`);
  if (!widths.length || widths.some((k) => !(Number.isInteger(k) && k > 0))) throw new Error(`deepRandomNetwork: widths must be positive integers, got [${widths}]`);
  const coefficients = hermiteCoefficients(activation.f);
  if (Math.abs(coefficients.mu0) > 1e-10) throw new Error(`deepRandomNetwork: the activation ${activation.name} is not centred (mu0 = ${coefficients.mu0}); the linearisation here needs mu0 = 0`);
  const { mu1, muStar } = coefficients;
  const weights: Float64Array[] = [];
  const omegas: Float64Array[] = [];
  let prev = d;
  let omega: Float64Array | null = null; // null: the identity (Omega_0)
  for (const k of widths) {
    const w = Float64Array.from(rng.normalArray(k * prev));
    // W Omega_{l-1} W^T; its diagonal holds the linearised preactivation variances of the unscaled rows
    const next = tf.tidy(() => {
      const wt = tf.tensor2d(f32(w), [k, prev], 'float32');
      const wo = omega ? tf.matMul(wt, tf.tensor2d(f32(omega), [prev, prev], 'float32')) : wt;
      return tf.matMul(wo, wt, false, true);
    });
    const prod = toF64(next);
    next.dispose();
    const rowScale = new Float64Array(k);
    for (let i = 0; i < k; i++) rowScale[i] = 1 / Math.sqrt(prod[i * k + i]);
    const scaled = new Float64Array(k * prev);
    for (let i = 0; i < k; i++) for (let a = 0; a < prev; a++) scaled[i * prev + a] = w[i * prev + a] * rowScale[i];
    const om = new Float64Array(k * k);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j <= i; j++) {
        // symmetrise the float32 product and apply the row scales on both sides
        const v = mu1 * mu1 * 0.5 * (prod[i * k + j] + prod[j * k + i]) * rowScale[i] * rowScale[j];
        om[i * k + j] = v;
        om[j * k + i] = v;
      }
      om[i * k + i] = mu1 * mu1 + muStar * muStar; // unit preactivation variance by construction
    }
    weights.push(scaled);
    omegas.push(om);
    omega = om;
    prev = k;
  }
  return { d, widths: widths.slice(), weights, activation, coefficients, omegas };
}

/** The population covariance Sigma = Omega_L / k_L of the features z = phi_L / sqrt(k_L) under the linearisation. */
export function deepFeatureCovariance(net: DeepRandomNetwork): Float64Array {
  const k = net.widths[net.widths.length - 1];
  return net.omegas[net.omegas.length - 1].map((v) => v / k);
}

/**
 * The covariance of the network's purely linear part, mu1^{2L} M M^T / k_L with M = W_L ... W_1 (the
 * linearisation with mu* set to 0 at every layer: rank <= d). A control: the Gaussian model that ignores
 * the nonlinearity.
 */
export function deepLinearCovariance(net: DeepRandomNetwork): Float64Array {
  const L = net.widths.length, kL = net.widths[L - 1];
  const out = tf.tidy(() => {
    let m = tf.tensor2d(f32(net.weights[0]), [net.widths[0], net.d]);
    for (let l = 1; l < L; l++) m = tf.matMul(tf.tensor2d(f32(net.weights[l]), [net.widths[l], net.widths[l - 1]]), m);
    return tf.mul(tf.matMul(m, m, false, true), net.coefficients.mu1 ** (2 * L) / kL);
  });
  const c = toF64(out);
  out.dispose();
  for (let i = 0; i < kL; i++) for (let j = 0; j < i; j++) { const v = 0.5 * (c[i * kL + j] + c[j * kL + i]); c[i * kL + j] = v; c[j * kL + i] = v; }
  return c;
}

/** The network's real features z = phi_L(x) / sqrt(k_L) of n inputs x (n x d, row-major): n x k_L, row-major. */
export function deepRandomFeatures(net: DeepRandomNetwork, x: ArrayLike<number>, n: number): Float64Array {
  if (x.length !== n * net.d) throw new Error(`deepRandomFeatures: x has ${x.length} entries, expected ${n} x ${net.d}`);
  const kL = net.widths[net.widths.length - 1];
  const out = tf.tidy(() => {
    let h: tf.Tensor2D = tf.tensor2d(f32(x), [n, net.d], 'float32');
    let prev = net.d;
    net.widths.forEach((k, l) => {
      h = net.activation.apply(tf.matMul(h, tf.tensor2d(f32(net.weights[l]), [k, prev], 'float32'), false, true)) as tf.Tensor2D;
      prev = k;
    });
    return tf.mul(h, 1 / Math.sqrt(kL));
  });
  const z = toF64(out);
  out.dispose();
  return z;
}

/**
 * Gaussian-equivalent features of the same n inputs: g_0 = x, g_l = mu1 W_l g_{l-1} + mu* xi_l with fresh
 * xi_l ~ N(0, I) drawn from `rng`, returned as g_L / sqrt(k_L) (n x k_L). Their covariance is exactly
 * `deepFeatureCovariance(net)`; sharing x with the real features couples the two designs.
 */
export function deepGaussianEquivalentFeatures(net: DeepRandomNetwork, x: ArrayLike<number>, n: number, rng: Rng): Float64Array {
  if (x.length !== n * net.d) throw new Error(`deepGaussianEquivalentFeatures: x has ${x.length} entries, expected ${n} x ${net.d}`);
  const { mu1, muStar } = net.coefficients;
  const kL = net.widths[net.widths.length - 1];
  const noise = net.widths.map((k) => rng.normalArray(n * k));
  const out = tf.tidy(() => {
    let g: tf.Tensor2D = tf.tensor2d(f32(x), [n, net.d], 'float32');
    let prev = net.d;
    net.widths.forEach((k, l) => {
      const lin = tf.matMul(g, tf.tensor2d(f32(net.weights[l]), [k, prev], 'float32'), false, true);
      g = tf.add(tf.mul(lin, mu1), tf.mul(tf.tensor2d(noise[l], [n, k]), muStar)) as tf.Tensor2D;
      prev = k;
    });
    return tf.mul(g, 1 / Math.sqrt(kL));
  });
  const z = toF64(out);
  out.dispose();
  return z;
}

/**
 * The real features' population covariance E z z^T measured: (1/m) sum of z z^T over m fresh inputs
 * x ~ N(0, I_d) drawn from `rng`, accumulated `chunk` inputs at a time (float32 BLAS products, float64
 * sums), so m can be many times the width without holding the sample. The features are centred (an odd
 * activation of a symmetric input), so the second moment is the covariance; it is the matrix the excess
 * risk E_x ((w - theta) . z)^2 weighs with. With `gaussianEquivalent: true` the same is measured on the
 * Gaussian equivalent, whose exact covariance `deepFeatureCovariance(net)` is known: a control for what
 * the estimate's own sampling error does to a quantity computed from it.
 */
export function deepFeatureSecondMoment(net: DeepRandomNetwork, m: number, rng: Rng, options: { gaussianEquivalent?: boolean; chunk?: number } = {}): Float64Array {
  if (!(Number.isInteger(m) && m > 0)) throw new Error(`deepFeatureSecondMoment: m must be a positive integer, got ${m}`);
  const chunk = options.chunk ?? 2000;
  if (!(Number.isInteger(chunk) && chunk > 0)) throw new Error(`deepFeatureSecondMoment: chunk must be a positive integer, got ${chunk}`);
  const kL = net.widths[net.widths.length - 1];
  const acc = new Float64Array(kL * kL);
  for (let done = 0; done < m; done += chunk) {
    const rows = Math.min(chunk, m - done);
    const x = gaussianMatrix(rows, net.d, rng);
    const z = options.gaussianEquivalent ? deepGaussianEquivalentFeatures(net, x, rows, rng) : deepRandomFeatures(net, x, rows);
    const g = tf.tidy(() => { const zt = tf.tensor2d(f32(z), [rows, kL], 'float32'); return tf.matMul(zt, zt, true, false); });
    const v = g.dataSync();
    for (let i = 0; i < acc.length; i++) acc[i] += v[i];
    g.dispose();
  }
  for (let i = 0; i < kL; i++) for (let j = 0; j <= i; j++) { const v = (0.5 * (acc[i * kL + j] + acc[j * kL + i])) / m; acc[i * kL + j] = v; acc[j * kL + i] = v; }
  return acc;
}

/**
 * n rows drawn iid from N(0, Sigma) for a k x k symmetric positive definite `sigma` (row-major): g = C xi
 * with C the lower Cholesky factor (float64) and xi ~ N(0, I_k) from `rng`, the product on the engine's
 * float32 BLAS. n x k, row-major. Gaussian features with a given (e.g. measured) covariance, not coupled
 * to any network's inputs.
 */
export function gaussianFeaturesWithCovariance(sigma: Float64Array, k: number, n: number, rng: Rng): Float64Array {
  if (sigma.length !== k * k) throw new Error(`gaussianFeaturesWithCovariance: sigma has ${sigma.length} entries, expected ${k} x ${k}`);
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`gaussianFeaturesWithCovariance: n must be a positive integer, got ${n}`);
  const c = cholesky(sigma, k);
  const xi = gaussianMatrix(n, k, rng);
  const out = tf.tidy(() => tf.matMul(tf.tensor2d(f32(xi), [n, k], 'float32'), tf.tensor2d(f32(c), [k, k], 'float32'), false, true));
  const g = toF64(out);
  out.dispose();
  return g;
}

/**
 * Ridge w = (Z^T Z / n + lambda I)^{-1} Z^T y / n (as `ridgeFit`) with Z^T Z and Z^T y from the engine's
 * float32 BLAS and the solve in float64: for designs of a few thousand rows, where the plain-loop Gram
 * of `ridgeFit` costs seconds.
 */
export function blasRidgeFit(z: ArrayLike<number>, y: ArrayLike<number>, n: number, k: number, lambda: number): Float64Array {
  if (!(lambda > 0)) throw new Error(`blasRidgeFit: lambda must be > 0, got ${lambda}`);
  if (z.length !== n * k) throw new Error(`blasRidgeFit: z has ${z.length} entries, expected ${n} x ${k}`);
  if (y.length !== n) throw new Error(`blasRidgeFit: y has ${y.length} entries, expected n = ${n}`);
  const [g, zty] = tf.tidy(() => {
    const zt = tf.tensor2d(f32(z), [n, k], 'float32');
    return [tf.matMul(zt, zt, true, false), tf.matMul(zt, tf.tensor2d(f32(y), [n, 1], 'float32'), true, false)];
  }).map((t) => { const v = toF64(t); t.dispose(); return v; });
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (g[i * k + j] + g[j * k + i]);
      g[i * k + j] = v;
      g[j * k + i] = v;
    }
    g[i * k + i] += n * lambda;
  }
  return choleskySolve(cholesky(g, k), k, zty);
}

/** The mean of (z_i . v)^2 over the rows of an n x k design (row-major) in float64: a test-sample risk of the coefficient error v. */
export function meanSquaredProjection(z: ArrayLike<number>, n: number, k: number, v: ArrayLike<number>): number {
  if (z.length !== n * k || v.length !== k) throw new Error(`meanSquaredProjection: expected an ${n} x ${k} design and a ${k}-vector, got ${z.length} and ${v.length} entries`);
  let s = 0;
  for (let i = 0; i < n; i++) {
    let p = 0;
    const o = i * k;
    for (let j = 0; j < k; j++) p += z[o + j] * v[j];
    s += p * p;
  }
  return s / n;
}

/**
 * (G + shift I)^{-1} of a symmetric positive definite k x k matrix G (row-major, float64): the Cholesky
 * factor L, its triangular inverse M = L^{-1} by forward substitution, and M^T M.
 */
export function spdInverse(g: Float64Array, k: number, shift = 0): Float64Array {
  const m0 = shift ? g.slice() : g;
  if (shift) for (let i = 0; i < k; i++) m0[i * k + i] += shift;
  const l = cholesky(m0, k);
  // M = L^{-1}, lower triangular: row i of M from L m_j = e_j, column by column
  const m = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    m[j * k + j] = 1 / l[j * k + j];
    for (let i = j + 1; i < k; i++) {
      let s = 0;
      const li = i * k;
      for (let t = j; t < i; t++) s -= l[li + t] * m[t * k + j];
      m[li + j] = s / l[li + i];
    }
  }
  // A = M^T M: A_ab = sum_{t >= max(a, b)} M_ta M_tb, accumulated row by row of M
  const a = new Float64Array(k * k);
  for (let t = 0; t < k; t++) {
    const mt = t * k;
    for (let i = 0; i <= t; i++) {
      const v = m[mt + i];
      if (v === 0) continue;
      const ai = i * k;
      for (let j = 0; j <= i; j++) a[ai + j] += v * m[mt + j];
    }
  }
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) a[j * k + i] = a[i * k + j];
  return a;
}

/** The ridge risk given the design, averaged over the teacher and the label noise (`ridgeRiskGivenDesign`). */
export interface RiskGivenDesign {
  /** n^2 lambda^2 tr(Sigma A^2): the bias, A = (Z^T Z + n lambda I)^{-1} */
  bias: number;
  /** s^2 (tr(Sigma A) - n lambda tr(Sigma A^2)) = s^2 tr(Sigma A Z^T Z A): the variance */
  variance: number;
  /** bias + variance */
  risk: number;
}

/**
 * The excess test risk (w - theta)^T Sigma (w - theta) of ridge (penalty lambda on the mean squared loss)
 * on the n x k design z, averaged exactly over a teacher theta ~ N(0, I_k) and label noise of variance
 * s^2, given the design: w - theta = -n lambda A theta + A Z^T eps with A = (Z^T Z + n lambda I)^{-1}, so
 * the risk is n^2 lambda^2 tr(Sigma A^2) + s^2 tr(Sigma A Z^T Z A), and A Z^T Z = I - n lambda A.
 * The population covariance is either known (`{ sigma }`, k x k) or represented by an independent test
 * sample (`{ test, m }`, m x k features, Sigma ~ Z_t^T Z_t / m: the traces are then unbiased
 * estimates).
 */
export function ridgeRiskGivenDesign(z: ArrayLike<number>, n: number, k: number, lambda: number, noiseVar: number, population: { sigma: Float64Array } | { test: ArrayLike<number>; m: number }): RiskGivenDesign {
  if (!(lambda > 0)) throw new Error(`ridgeRiskGivenDesign: lambda must be > 0, got ${lambda}`);
  if (z.length !== n * k) throw new Error(`ridgeRiskGivenDesign: z has ${z.length} entries, expected ${n} x ${k}`);
  const g = tf.tidy(() => { const zt = tf.tensor2d(f32(z), [n, k]); return tf.matMul(zt, zt, true, false); });
  const gram = toF64(g);
  g.dispose();
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) { const v = 0.5 * (gram[i * k + j] + gram[j * k + i]); gram[i * k + j] = v; gram[j * k + i] = v; }
  const a = spdInverse(gram, k, n * lambda);
  let t1 = 0, t2 = 0;
  if ('sigma' in population) {
    if (population.sigma.length !== k * k) throw new Error(`ridgeRiskGivenDesign: sigma has ${population.sigma.length} entries, expected ${k} x ${k}`);
    // S = Sigma A: tr(Sigma A) = tr S, tr(Sigma A^2) = tr(A Sigma A) = sum_ij S_ij A_ji = sum(S o A) (A symmetric)
    const st = tf.tidy(() => tf.matMul(tf.tensor2d(f32(population.sigma), [k, k]), tf.tensor2d(f32(a), [k, k])));
    const s = toF64(st);
    st.dispose();
    for (let i = 0; i < k; i++) { t1 += s[i * k + i]; for (let j = 0; j < k; j++) t2 += s[i * k + j] * a[i * k + j]; }
  } else {
    const { test, m } = population;
    if (test.length !== m * k) throw new Error(`ridgeRiskGivenDesign: the test sample has ${test.length} entries, expected ${m} x ${k}`);
    // P = Z_t A: tr(Sigma A) ~ sum(Z_t o P) / m, tr(A Sigma A) ~ |P|_F^2 / m
    const pt = tf.tidy(() => tf.matMul(tf.tensor2d(f32(test), [m, k]), tf.tensor2d(f32(a), [k, k])));
    const p = toF64(pt);
    pt.dispose();
    for (let i = 0; i < m * k; i++) { t1 += test[i] * p[i]; t2 += p[i] * p[i]; }
    t1 /= m;
    t2 /= m;
  }
  const nl = n * lambda;
  const bias = nl * nl * t2, variance = noiseVar * (t1 - nl * t2);
  return { bias, variance, risk: bias + variance };
}
