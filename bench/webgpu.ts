/**
 * The webgpu backend beside the native one (issue 27): sgemm 1024/4096/8192, the MLP and CNN training steps
 * and the MLP loss's Hessian-vector product, each ended by an asynchronous read (which waits for the work
 * without blocking the thread). Fastest and median ms of `reps` runs after two warm-ups, and webgpu / native
 * at the median.
 *   node --import tsx bench/webgpu.ts [--software] [--reps N]
 * --software allows a software adapter (lavapipe): figures for the CI machine, not a GPU's.
 */
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../src/engine/backend.js';
import { describeAdapter, registerWebgpuBackend } from '../src/engine/webgpu.js';
import { cnn } from '../src/models/cnn.js';
import { mlp } from '../src/models/mlp.js';
import type { Model } from '../src/models/model.js';
import { Rng } from '../src/random/rng.js';
import { crossEntropy } from '../src/train/losses.js';
import { timeWorkload, type Workload } from './workloads.js';

const args = process.argv.slice(2);
const software = args.includes('--software');
const reps = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 10;
if (!(Number.isInteger(reps) && reps > 0)) throw new Error(`--reps: expected a positive integer, got ${args[args.indexOf('--reps') + 1]}`);

type Case = Workload;

const labels = (n: number, rng: Rng) => tf.tensor1d(Array.from({ length: n }, () => rng.int(10)), 'int32');

/** One SGD step; the loss is read asynchronously, which waits for the step's work. */
function stepCase(name: string, make: (rng: Rng) => Model, xShape: number[]): Case {
  return {
    name,
    setup() {
      const rng = new Rng(1);
      const model = make(rng);
      const x = rng.normalTensor(xShape);
      const y = labels(xShape[0], rng);
      return {
        run: async () => {
          const loss = tf.tidy(() => {
            const { value, grads } = tf.variableGrads(() => crossEntropy()(model.apply(x), y), model.params);
            model.params.forEach((p) => p.assign(p.sub(grads[p.name].mul(0.01))));
            return value;
          });
          await loss.data();
          loss.dispose();
        },
        dispose: () => { model.dispose(); tf.dispose([x, y]); },
      };
    },
  };
}

const cases: Case[] = [
  ...[1024, 4096, 8192].map((n): Case => ({
    name: `sgemm ${n}`,
    setup() {
      const rng = new Rng(1);
      const [a, b] = [rng.normalTensor([n, n]), rng.normalTensor([n, n])];
      return { run: async () => { const c = tf.matMul(a, b); await c.data(); c.dispose(); }, dispose: () => tf.dispose([a, b]) };
    },
  })),
  stepCase('MLP step 784-256-256-10, batch 128', (rng) => mlp({ sizes: [784, 256, 256, 10] }, rng), [128, 784]),
  stepCase('CNN step conv32-pool-conv64-pool-dense, batch 64', (rng) => cnn({ inputShape: [28, 28, 1], channels: [32, 64], hidden: [], numClasses: 10 }, rng), [64, 28, 28, 1]),
  {
    name: 'HVP of the MLP loss, batch 128',
    setup() {
      const rng = new Rng(1);
      const model = mlp({ sizes: [784, 256, 256, 10] }, rng);
      const x = rng.normalTensor([128, 784]);
      const y = labels(128, rng);
      const v = model.params.map((p) => rng.normalTensor(p.shape));
      return {
        run: async () => {
          const hv = tf.tidy(() => tf.grads((...ps: tf.Tensor[]) => {
            const g = tf.grads((...qs: tf.Tensor[]) => crossEntropy()(model.apply(x, qs), y))(ps);
            return tf.addN(g.map((gi, i) => tf.sum(tf.mul(gi, v[i]))));
          })(model.params));
          await Promise.all(hv.map((h) => h.data()));
          tf.dispose(hv);
        },
        dispose: () => { model.dispose(); tf.dispose([x, y, ...v]); },
      };
    },
  },
];

// the CPU backend beside it (on a GPU machine the automatic choice would be webgpu itself)
const engine = await initEngine({ quiet: true, backend: 'native' });
const adapter = await registerWebgpuBackend({ software });
console.log(`webgpu adapter: ${describeAdapter(adapter)}; beside ${engine.choice}; ${reps} runs after 2 warm-ups`);
console.log('| workload | native fastest (median) ms | webgpu fastest (median) ms | webgpu / native at the median |');
console.log('|---|---:|---:|---:|');
for (const c of cases) {
  await tf.setBackend(engine.tfBackend);
  // the 8192 sgemm takes minutes on a software adapter or one CPU thread: skipped there
  if (c.name === 'sgemm 8192' && adapter.software) continue;
  const native = await timeWorkload(c, reps);
  await tf.setBackend('webgpu');
  const gpu = await timeWorkload(c, reps);
  const f = (t: { min: number; median: number }) => `${t.min.toFixed(2)} (${t.median.toFixed(2)})`;
  console.log(`| ${c.name} | ${f(native)} | ${f(gpu)} | ${(gpu.median / native.median).toFixed(2)} |`);
}
process.exit(0);
