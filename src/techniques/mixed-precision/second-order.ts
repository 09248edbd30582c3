/**
 * Second-order prediction of the loss change caused by quantizing several weight tensors at once
 * (HAWQ, Dong et al. 2019; inter-layer Hessian terms: "Augmenting Hessians with Inter-Layer
 * Dependencies for Mixed-Precision Post-Training Quantization"). Quantizing layer l to b_l bits moves
 * its weights by dq_l(b_l) = Q_{b_l}(W_l) - W_l; to second order the loss changes by
 *
 *   dL ~ sum_l g_l^T dq_l + 1/2 sum_{l, m} dq_l^T H_lm dq_m,
 *
 * where g is the gradient and H_lm the (l, m) block of the Hessian. HAWQ drops the gradient (the model
 * is trained to a minimum) and keeps the diagonal blocks only (layer-wise sensitivity); the cross-layer
 * variant keeps the off-diagonal blocks too. Every term for every configuration of bit-widths comes
 * from one Hessian-vector product per (layer, bit-width): H [0, .., dq_l(b), .., 0] holds the column
 * blocks H_ml dq_l(b) for every m, so dq_m(c)^T H_ml dq_l(b) is a dot product. With L layers and B
 * bit-widths that is L B products for all B^L configurations.
 */
import * as tf from '@tensorflow/tfjs';
import { hessianVectorProduct, type ParamLoss } from '../curvature/hvp.js';

/** The ingredients of the second-order prediction for every configuration of bit-widths. */
export interface SecondOrderTable {
  /** the candidate bit-widths (option index c refers to bits[c]) */
  bits: number[];
  /** first[l][c] = g_l^T dq_l(bits[c]) */
  first: number[][];
  /** quad[l][c][m][d] = dq_l(bits[c])^T H_lm dq_m(bits[d]) (symmetrised: the mean of the two products that give it) */
  quad: number[][][][];
  /** squared perturbation norms ||dq_l(bits[c])||^2 */
  normSq: number[][];
  /** largest relative difference between dq_l^T (H dq_m) and dq_m^T (H dq_l) over all pairs: the products' symmetry, exact in exact arithmetic */
  asymmetry: number;
}

/**
 * The table for quantizing the parameters at indices `layers` of `params` with `quantize(w, bits)`
 * (e.g. quantizeSymmetric), the loss `loss`. params are not modified.
 */
export function secondOrderTable(loss: ParamLoss, params: readonly tf.Tensor[], layers: readonly number[], bits: readonly number[], quantize: (w: Float32Array, bits: number) => Float32Array): SecondOrderTable {
  if (!layers.length || !bits.length) throw new Error('secondOrderTable: needs at least one layer and one bit-width');
  const weights = layers.map((i) => params[i].dataSync() as Float32Array);
  const deltas = weights.map((w) => bits.map((b) => { const q = quantize(w, b); return Float32Array.from(q, (v, j) => v - w[j]); }));
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let j = 0; j < a.length; j++) s += a[j] * b[j]; return s; };
  const grads = tf.tidy(() => tf.grads((...qs: tf.Tensor[]) => loss(qs))([...params]).map((g) => g.dataSync() as Float32Array));
  const first = layers.map((i, l) => deltas[l].map((d) => dot(grads[i], d)));
  const normSq = deltas.map((ds) => ds.map((d) => dot(d, d)));
  // hv[l][c][m] = (H [.., dq_l(c), ..])_m, the block H_ml dq_l(c)
  const hv = layers.map((i, l) => bits.map((_, c) => {
    const v = params.map((p, k) => (k === i ? tf.tensor(deltas[l][c], p.shape) : tf.zerosLike(p)));
    const out = hessianVectorProduct(loss, params, v);
    const blocks = layers.map((m) => out[m].dataSync() as Float32Array);
    tf.dispose([...v, ...out]);
    return blocks;
  }));
  let asymmetry = 0;
  const quad = layers.map((_, l) => bits.map((_b, c) => layers.map((_m, m) => bits.map((_d, d) => {
    const a = dot(deltas[l][c], hv[m][d][l]), b = dot(deltas[m][d], hv[l][c][m]);
    const scale = Math.max(Math.abs(a), Math.abs(b));
    if (scale > 0) asymmetry = Math.max(asymmetry, Math.abs(a - b) / scale);
    return (a + b) / 2;
  }))));
  return { bits: [...bits], first, quad, normSq, asymmetry };
}

/** Which terms of the second-order prediction `predictLossChange` sums. */
export interface PredictOptions {
  /** keep the off-diagonal (cross-layer) Hessian blocks (default false: HAWQ's layer-wise sum) */
  crossLayer?: boolean;
  /** add the gradient term g^T dq (default false: HAWQ assumes a minimum) */
  firstOrder?: boolean;
}

/** Predicted loss change of a configuration (option index per layer) from the table. */
export function predictLossChange(t: SecondOrderTable, config: readonly number[], opts: PredictOptions = {}): number {
  if (config.length !== t.quad.length) throw new Error(`predictLossChange: ${config.length} choices for ${t.quad.length} layers`);
  let s = 0;
  for (let l = 0; l < config.length; l++) {
    if (opts.firstOrder) s += t.first[l][config[l]];
    for (let m = 0; m < config.length; m++) if (opts.crossLayer || m === l) s += 0.5 * t.quad[l][config[l]][m][config[m]];
  }
  return s;
}

/** Every configuration of `options` choices for each of `layers` layers (options^layers of them), the first layer varying slowest. */
export function configurations(layers: number, options: number): number[][] {
  if (!(layers >= 1) || !(options >= 1)) throw new Error(`configurations: needs layers >= 1 and options >= 1, got ${layers}, ${options}`);
  let out: number[][] = [[]];
  for (let l = 0; l < layers; l++) out = out.flatMap((c) => Array.from({ length: options }, (_, k) => [...c, k]));
  return out;
}

/**
 * Kendall's tau-b between two rankings (ties allowed): (concordant - discordant) / sqrt((n0 - n1)(n0 - n2)),
 * n0 = n(n-1)/2 pairs, n1 and n2 the pairs tied in a and in b. O(n^2), for the few hundred points here.
 */
export function kendallTau(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length < 2) throw new Error(`kendallTau: needs two sequences of the same length >= 2, got ${a.length} and ${b.length}`);
  let conc = 0, disc = 0, tiesA = 0, tiesB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const da = Math.sign(a[i] - a[j]), db = Math.sign(b[i] - b[j]);
      if (da === 0) tiesA++;
      if (db === 0) tiesB++;
      if (da !== 0 && db !== 0) { if (da === db) conc++; else disc++; }
    }
  }
  const n0 = (a.length * (a.length - 1)) / 2;
  const den = Math.sqrt((n0 - tiesA) * (n0 - tiesB));
  if (!(den > 0)) throw new Error('kendallTau: one sequence is constant');
  return (conc - disc) / den;
}
