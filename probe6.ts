import * as tf from '@tensorflow/tfjs';
import { initEngine } from './src/engine/backend.js';
import { workloads } from './bench/workloads.js';
await initEngine({ quiet: true });
const backend = tf.backend() as any;
const orig = tf.getKernel('BatchMatMul', 'native')!;
tf.unregisterKernel('BatchMatMul', 'native');
tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'native', kernelFunc: (args: any) => {
  const { a, b } = args.inputs;
  const va = backend.data.get(a.dataId).values, vb = backend.data.get(b.dataId).values;
  const t0 = performance.now();
  const r = orig.kernelFunc(args);
  console.log(a.shape, b.shape, args.attrs.transposeA, args.attrs.transposeB, va?.constructor?.name, vb?.constructor?.name, (performance.now() - t0).toFixed(2));
  return r;
} });
const s = workloads[1].setup(); s.run(); s.dispose();
