/** The benchmark workloads of issue 4, shared by `npm run bench` and quick probes. */
import * as tf from '@tensorflow/tfjs';
import { cnn } from '../src/models/cnn.js';
import { mlp } from '../src/models/mlp.js';
import type { Model } from '../src/models/model.js';
import { Rng } from '../src/random/rng.js';
import { crossEntropy } from '../src/train/losses.js';
import { sgd } from '../src/train/transforms.js';
import { Saliency } from '../src/techniques/attribution/attribution.js';
import { NoiseTunnel } from '../src/techniques/attribution/noise-tunnel.js';
import { hessianOperator } from '../src/techniques/curvature/operator.js';
import { powerIteration } from '../src/techniques/curvature/spectrum.js';
import { penaltyGradientExact, penaltyGradientFiniteDifference } from '../src/techniques/gradient-regularization/index.js';

export interface Workload {
  name: string;
  setup(): { run(): void; dispose(): void };
}

function trainStep(model: Model, x: tf.Tensor, y: tf.Tensor1D, lr: number): void {
  const t = sgd(lr);
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => crossEntropy()(model.apply(x), y), model.params);
    const u = t.update(model.params.map((p) => grads[p.name]), null, model.params, { step: 0, rng: new Rng(0) });
    model.params.forEach((p, i) => p.assign(p.add(u[i])));
  });
}

function labels(n: number, rng: Rng): tf.Tensor1D {
  return tf.tensor1d(Array.from({ length: n }, () => rng.int(10)), 'int32');
}

export const workloads: Workload[] = [
  {
    name: 'sgemm 1024',
    setup() {
      const rng = new Rng(1);
      const a = rng.normalTensor([1024, 1024]);
      const b = rng.normalTensor([1024, 1024]);
      return { run: () => tf.tidy(() => { tf.matMul(a, b).dataSync(); }), dispose: () => tf.dispose([a, b]) };
    },
  },
  {
    name: 'MLP step 784-256-256-10, batch 128',
    setup() {
      const rng = new Rng(1);
      const model = mlp({ sizes: [784, 256, 256, 10] }, rng);
      const x = rng.normalTensor([128, 784]);
      const y = labels(128, rng);
      return { run: () => trainStep(model, x, y, 0.01), dispose: () => { model.dispose(); tf.dispose([x, y]); } };
    },
  },
  {
    name: 'CNN step conv32-pool-conv64-pool-dense, batch 64',
    setup() {
      const rng = new Rng(1);
      const model = cnn({ inputShape: [28, 28, 1], channels: [32, 64], hidden: [], numClasses: 10 }, rng);
      const x = rng.normalTensor([64, 28, 28, 1]);
      const y = labels(64, rng);
      return { run: () => trainStep(model, x, y, 0.01), dispose: () => { model.dispose(); tf.dispose([x, y]); } };
    },
  },
  {
    name: 'HVP of the MLP loss, batch 128',
    setup() {
      const rng = new Rng(1);
      const model = mlp({ sizes: [784, 256, 256, 10] }, rng);
      const x = rng.normalTensor([128, 784]);
      const y = labels(128, rng);
      const v = model.params.map((p) => rng.normalTensor(p.shape));
      // reverse over reverse: H v = d/dp (grad(p) . v)
      const hvp = () => tf.tidy(() => {
        const gradDotV = (...ps: tf.Tensor[]) => {
          const g = tf.grads((...qs: tf.Tensor[]) => crossEntropy()(model.apply(x, qs), y))(ps);
          return tf.addN(g.map((gi, i) => tf.sum(tf.mul(gi, v[i]))));
        };
        const hv = tf.grads(gradDotV)(model.params);
        hv.forEach((h) => h.dataSync());
      });
      return { run: hvp, dispose: () => { model.dispose(); tf.dispose([x, y, ...v]); } };
    },
  },
  {
    name: 'top Hessian eigenvalue of the MLP, 20 power iterations',
    setup() {
      const rng = new Rng(1);
      const model = mlp({ sizes: [784, 256, 256, 10] }, rng);
      const x = rng.normalTensor([128, 784]);
      const y = labels(128, rng);
      const op = hessianOperator((ps) => crossEntropy()(model.apply(x, ps), y), model.params);
      return {
        run: () => { powerIteration(op, { k: 1, maxIter: 20, tol: 0, rng: new Rng(3) }); },
        dispose: () => { model.dispose(); tf.dispose([x, y]); },
      };
    },
  },
  {
    name: 'SmoothGrad n=50 on the CNN, 1 image',
    setup() {
      const rng = new Rng(1);
      const model = cnn({ inputShape: [28, 28, 1], channels: [32, 64], hidden: [], numClasses: 10 }, rng);
      const x = rng.normalTensor([1, 28, 28, 1]);
      const sg = new NoiseTunnel(new Saliency(model), { nSamples: 50, stdev: 0.15, rng: new Rng(2), chunk: 50 });
      return { run: () => tf.tidy(() => { sg.attribute(x, [3]).dataSync(); }), dispose: () => { model.dispose(); x.dispose(); } };
    },
  },
  // B11: the gradient of the gradient-norm penalty, exact (double backprop) and by finite differences
  ...(['double backprop', 'finite difference'] as const).map((how) => ({
    name: `gradient-norm penalty gradient of the MLP, ${how}, batch 128`,
    setup() {
      const rng = new Rng(1);
      const model = mlp({ sizes: [784, 256, 256, 10] }, rng);
      const x = rng.normalTensor([128, 784]);
      const y = labels(128, rng);
      const loss = (ps: tf.Tensor[]) => crossEntropy()(model.apply(x, ps), y);
      const run = () => {
        const g = how === 'double backprop' ? penaltyGradientExact(loss, model.params) : penaltyGradientFiniteDifference(loss, model.params, 1e-3);
        g.forEach((t) => t.dataSync());
        tf.dispose(g);
      };
      return { run, dispose: () => { model.dispose(); tf.dispose([x, y]); } };
    },
  })),
];

export interface Timing {
  /** fastest run: the least noisy estimate of the intrinsic cost on a shared machine */
  min: number;
  median: number;
}

/** Fastest and median wall time of `reps` runs after `warmup` runs, in milliseconds. */
export function timeWorkload(w: Workload, reps: number, warmup = 2): Timing {
  const s = w.setup();
  try {
    for (let i = 0; i < warmup; i++) s.run();
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      s.run();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { min: times[0], median: times[Math.floor(times.length / 2)] };
  } finally {
    s.dispose();
  }
}
