/** The benchmark workloads (issues 4 and 28: the shapes the claims train), shared by `npm run bench` and quick probes. */
import * as tf from '@tensorflow/tfjs';
import { cnn } from '../src/models/cnn.js';
import { mlp } from '../src/models/mlp.js';
import type { Model } from '../src/models/model.js';
import { Rng } from '../src/random/rng.js';
import { crossEntropy } from '../src/train/losses.js';
import { addNoise, chain, sgd } from '../src/train/transforms.js';
import { train } from '../src/train/loop.js';
import type { Dataset } from '../src/data/dataset.js';
import { trainScoreNet } from '../src/techniques/score/dsm.js';
import { Saliency } from '../src/techniques/attribution/attribution.js';
import { NoiseTunnel } from '../src/techniques/attribution/noise-tunnel.js';
import { hessianOperator } from '../src/techniques/curvature/operator.js';
import { powerIteration } from '../src/techniques/curvature/spectrum.js';
import { penaltyGradientExact, penaltyGradientFiniteDifference } from '../src/techniques/gradient-regularization/index.js';

export interface Workload {
  name: string;
  setup(): { run(): void | Promise<void>; dispose(): void };
}

/** A1's network: 20 hidden ReLU layers of width 50 on 784 inputs. */
export const A1_SIZES = [784, ...Array<number>(20).fill(50), 10];
/** Steps per timed run of the whole-loop workloads (their time is per this many steps). */
export const LOOP_STEPS = 50;

function syntheticImages(n: number, rng: Rng): Dataset {
  return { name: 'synthetic', x: rng.normalArray(n * 784), y: Int32Array.from({ length: n }, () => rng.int(10)), featureShape: [784], numClasses: 10 };
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

/** Calls per dispatch workload: its time in ms is then the cost of one call in microseconds. */
export const DISPATCH_CALLS = 1000;
/** The small ops timed for dispatch cost, with their operand shapes (bench/torch_bench.py times the same). */
export const DISPATCH_OPS: ['add' | 'relu' | 'matMul', number[][]][] = [['add', [[64], [64]]], ['relu', [[128, 64], [128, 64]]], ['matMul', [[128, 64], [64, 64]]]];
const dispatchName = (op: string, shapes: number[][]) => `dispatch: ${DISPATCH_CALLS} x ${op} of ${shapes.map((s) => `[${s}]`).join(', ')} (ms = us a call)`;

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
  // issue 28: the shapes the claims train
  {
    name: 'A1 MLP step 784-50x20-10, batch 128',
    setup() {
      const rng = new Rng(1);
      const model = mlp({ sizes: A1_SIZES }, rng);
      const x = rng.normalTensor([128, 784]);
      const y = labels(128, rng);
      return { run: () => trainStep(model, x, y, 0.01), dispose: () => { model.dispose(); tf.dispose([x, y]); } };
    },
  },
  {
    name: 'MLP step 2-64-64-2, batch 64',
    setup() {
      const rng = new Rng(1);
      const model = mlp({ sizes: [2, 64, 64, 2] }, rng);
      const x = rng.normalTensor([64, 2]);
      const y = tf.tensor1d(Array.from({ length: 64 }, () => rng.int(2)), 'int32');
      return { run: () => trainStep(model, x, y, 0.01), dispose: () => { model.dispose(); tf.dispose([x, y]); } };
    },
  },
  {
    name: `score network 3-128-128-2, ${LOOP_STEPS} DSM steps (Adam) on 2-D data, batch 128`,
    setup() {
      const rng = new Rng(1);
      const data = rng.normalArray(2000);
      return {
        run: async () => { (await trainScoreNet(data, 2, { sigmas: [0.1, 0.3, 1], hidden: [128, 128], steps: LOOP_STEPS, batchSize: 128, lr: 1e-3, rng: new Rng(2) })).dispose(); },
        dispose() {},
      };
    },
  },
  {
    name: `train() with gradient noise, A1 MLP, ${LOOP_STEPS} steps, batch 128`,
    setup() {
      const rng = new Rng(1);
      const data = syntheticImages(5000, rng);
      const model = mlp({ sizes: A1_SIZES }, rng);
      // every repetition trains from the same weights: carried on, the model diverges after ~67 runs here
      // and train() stops at its first non-finite loss, so a faster engine (more warm-up runs in the same
      // time) would time truncated loops
      const initial = model.params.map((p) => p.clone());
      const run = async () => {
        model.params.forEach((p, i) => p.assign(initial[i]));
        const r = await train({ model, data, transform: chain(addNoise(0.01), sgd(0.01)), batchSize: 128, steps: LOOP_STEPS, rng: new Rng(2), progress: 'silent', logEvery: LOOP_STEPS });
        if (r.status !== 'ok') throw new Error(`train() ended ${r.status} after ${r.steps} of ${LOOP_STEPS} steps: its time would not be a whole loop's`);
      };
      return { run, dispose: () => { model.dispose(); tf.dispose(initial); } };
    },
  },
  // per-kernel dispatch cost: 1000 calls of one small op, so the time in ms is microseconds a call
  ...DISPATCH_OPS.map(([op, shapes]) => ({
    name: dispatchName(op, shapes),
    setup() {
      const rng = new Rng(1);
      const [a, b] = shapes.map((s) => rng.normalTensor(s));
      const f = { add: tf.add, relu: (x: tf.Tensor) => tf.relu(x), matMul: (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D) }[op];
      const run = () => {
        const out = tf.tidy(() => {
          let z: tf.Tensor = a;
          for (let i = 0; i < DISPATCH_CALLS; i++) z = op === 'matMul' ? f(a, b) : f(z, b);
          return z;
        });
        out.dataSync();
        out.dispose();
      };
      return { run, dispose: () => tf.dispose([a, b]) };
    },
  })),
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

/**
 * Warm-up before timing: at least WARMUP_RUNS runs or WARMUP_MS of them, whichever comes first (and never
 * fewer than a workload's own minimum). V8 is still optimizing tfjs's JavaScript for the first ~100 runs of
 * a small step: timed 200 runs in a row after 5, native's MLP step had a median of 2.6-2.9 ms over runs 1-100
 * and 1.3 ms from run 100 on, where PyTorch's was ~2.0 ms from its first runs (bench/torch_bench.py has the
 * same rule).
 */
export const WARMUP_RUNS = 100;
export const WARMUP_MS = 3000;

/** Fastest and median wall time of `reps` runs after the warm-up (at least `warmup` runs), in milliseconds. */
export async function timeWorkload(w: Workload, reps: number, warmup = 2): Promise<Timing> {
  const s = w.setup();
  try {
    const started = performance.now();
    for (let i = 0; i < warmup || (warmup > 0 && i < WARMUP_RUNS && performance.now() - started < WARMUP_MS); i++) await s.run();
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await s.run();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { min: times[0], median: times[Math.floor(times.length / 2)] };
  } finally {
    s.dispose();
  }
}
