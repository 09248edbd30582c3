/**
 * Denoising score matching with a Fokker-Planck penalty (Lai et al. 2023; Deveney et al. 2023): the
 * continuous-time DSM loss of ../score/time-dsm.ts, (1/2)|sigma s + z|^2 with the same network and
 * preconditioning, plus weight * sigma(t)^2 |r|^2 with r = ds/dt - grad phi the score Fokker-Planck
 * residual (./residual.ts), here by central differences on the network's own outputs: each step evaluates
 * the network at a stencil of 2 + 4d + 4d^2 shifted copies of the batch, all differentiable in the
 * parameters (a first-order backward pass, not the third-order autodiff of the residual). weight = 0 is
 * plain DSM with the same draws.
 */
import * as tf from '@tensorflow/tfjs';
import { mlp } from '../../models/mlp.js';
import type { Rng } from '../../random/rng.js';
import { meanCoordinateVariance } from '../../stats/moments.js';
import { fitObjective } from '../../train/fit.js';
import type { Objective } from '../../train/loop.js';
import type { NoisingProcess } from '../diffusion/process.js';
import type { TimeScore } from '../diffusion/samplers.js';

/** Options of {@link trainFpScore}. */
export interface FpScoreOptions {
  hidden: number[];
  steps: number;
  batchSize: number;
  lr: number;
  /** weight of the sigma^2-weighted Fokker-Planck residual (0: plain DSM) */
  fpWeight: number;
  /** training times U(tMin, 1 - k) (default 0.01) */
  tMin?: number;
  /** finite-difference steps in x and t (default 1e-2 and 1e-3: float32 arithmetic) */
  h?: number;
  k?: number;
  rng: Rng;
}

/** A trained score model with its training curve. */
export interface FpScoreNet {
  score: TimeScore;
  losses: number[];
  /** Frees the network's tensors; `score` must not be called afterwards. */
  dispose(): void;
}

/** Trains a time-conditioned score network on `data` (n points of dimension d, row-major) by DSM plus the weighted Fokker-Planck residual penalty. */
export async function trainFpScore(process: NoisingProcess, data: Float64Array, d: number, opts: FpScoreOptions): Promise<FpScoreNet> {
  const n = data.length / d;
  if (!(Number.isInteger(d) && d >= 1 && Number.isInteger(n) && n >= 2)) throw new Error(`trainFpScore: need d >= 1 dividing data.length (${data.length}) and at least 2 points, got d=${d}`);
  if (!(opts.fpWeight >= 0)) throw new Error(`trainFpScore: fpWeight must be >= 0, got ${opts.fpWeight}`);
  const [tMin, h, k, b] = [opts.tMin ?? 0.01, opts.h ?? 1e-2, opts.k ?? 1e-3, opts.batchSize];
  if (!(tMin > k && tMin < 1 - k)) throw new Error(`trainFpScore: tMin must lie in (k, 1 - k), got tMin=${tMin}, k=${k}`);
  const v = meanCoordinateVariance(data, d);
  const cIn = (t: number) => 1 / Math.sqrt(process.alpha(t) ** 2 * v + process.sigma(t) ** 2);
  const cNoise = (t: number) => Math.log(process.sigma(t)) / 4;
  // tanh, not ReLU: the residual takes second derivatives, which a ReLU net has only as spikes at its kinks
  const model = mlp({ sizes: [d + 1, ...opts.hidden, d], activation: 'tanh', init: 'glorot' }, opts.rng.fork('init'));
  const x0 = tf.tensor2d(Float32Array.from(data), [n, d]);
  // the score at m points with per-row times: rows of x (m x d) and ts (length m)
  const scoreRows = (x: tf.Tensor2D, ts: number[], ps?: readonly tf.Tensor[]) => {
    const col = (f: (t: number) => number) => tf.tensor2d(Float32Array.from(ts, f), [ts.length, 1]);
    return tf.div(model.apply(tf.concat([tf.mul(x, col(cIn)), col(cNoise)], 1), ps), col(process.sigma)) as tf.Tensor2D;
  };
  const unit = (j: number, by: number) => tf.tensor2d(Float32Array.from({ length: d }, (_, q) => (q === j ? by : 0)), [1, d]);
  const objective: Objective = (_batch, draw) => {
    const idx = tf.tensor1d(Int32Array.from({ length: b }, () => draw.int(n)), 'int32');
    const ts = Array.from({ length: b }, () => tMin + (1 - k - tMin) * draw.uniform());
    const col = (f: (t: number) => number, list = ts) => tf.tensor2d(Float32Array.from(list, f), [list.length, 1]);
    const z = draw.normalTensor([b, d]);
    const xt = tf.add(tf.mul(col(process.alpha), tf.gather(x0, idx)), tf.mul(col(process.sigma), z)) as tf.Tensor2D;
    return (ps) => {
      // the DSM term, sigma s = u
      const dsm = tf.mul(0.5, tf.mean(tf.sum(tf.square(tf.add(tf.mul(col(process.sigma), scoreRows(xt, ts, ps)), z)), 1)));
      if (opts.fpWeight === 0) return dsm as tf.Scalar;
      // phi at y = (g^2/2)(div s + |s|^2) - f y.s, per row
      const phi = (y: tf.Tensor2D) => {
        const s = scoreRows(y, ts, ps);
        let div: tf.Tensor = tf.zeros([b, 1]);
        for (let j = 0; j < d; j++) {
          const diff = tf.sub(scoreRows(tf.add(y, unit(j, h)) as tf.Tensor2D, ts, ps), scoreRows(tf.sub(y, unit(j, h)) as tf.Tensor2D, ts, ps));
          div = tf.add(div, tf.div(tf.slice(diff, [0, j], [b, 1]), 2 * h));
        }
        const sq = tf.sum(tf.square(s), 1, true);
        return tf.sub(tf.mul(col((t) => process.g2(t) / 2), tf.add(div, sq)), tf.mul(col(process.f), tf.sum(tf.mul(y, s), 1, true)));
      };
      const dsdt = tf.div(tf.sub(scoreRows(xt, ts.map((t) => t + k), ps), scoreRows(xt, ts.map((t) => t - k), ps)), 2 * k);
      const gradPhi = tf.concat(Array.from({ length: d }, (_, j) => tf.div(tf.sub(phi(tf.add(xt, unit(j, h)) as tf.Tensor2D), phi(tf.sub(xt, unit(j, h)) as tf.Tensor2D)), 2 * h)), 1);
      const fp = tf.mean(tf.mul(tf.square(col(process.sigma)), tf.sum(tf.square(tf.sub(dsdt, gradPhi)), 1, true)));
      return tf.add(dsm, tf.mul(opts.fpWeight, fp)) as tf.Scalar;
    };
  };
  let losses: number[];
  try {
    losses = await fitObjective(model, objective, { steps: opts.steps, lr: opts.lr, rng: opts.rng.fork('train'), label: 'trainFpScore' });
  } finally {
    x0.dispose();
  }
  const score: TimeScore = (points, t) => {
    const m = points.length / d;
    const out = tf.tidy(() => scoreRows(tf.tensor2d(Float32Array.from(points), [m, d]), new Array<number>(m).fill(t)));
    const values = Float64Array.from(out.dataSync());
    out.dispose();
    return values;
  };
  return { score, losses, dispose: () => model.dispose() };
}
