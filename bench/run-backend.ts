/** One backend's timings, as JSON on stdout (run by bench/index.ts in a process of its own). */
import { initEngine } from '../src/engine/backend.js';
import { loadAddon } from '../src/engine/native/addon.js';
import { Rng } from '../src/random/rng.js';
import { timeWorkload, workloads } from './workloads.js';

const backend = process.argv[2];
await initEngine({ backend, quiet: true });
// the slow backends get fewer repetitions (tfjs-cpu needs tens of seconds for one CNN step)
const reps = backend === 'cpu' ? 1 : 25;
const out: Record<string, { min: number; median: number }> = {};
// NOISELAB_BENCH_ONLY=<regex>: only the workloads whose name matches (a quick probe of one workload)
const only = process.env.NOISELAB_BENCH_ONLY ? new RegExp(process.env.NOISELAB_BENCH_ONLY) : null;
for (const w of workloads) {
  if (only && !only.test(w.name)) continue;
  if (backend === 'cpu' && /CNN|SmoothGrad|eigenvalue|A1|score|train\(\)/.test(w.name)) continue;
  out[w.name] = await timeWorkload(w, reps, backend === 'cpu' ? 0 : 5);
}
if (backend === 'native') {
  // the kernel alone, without tensor allocation and read-back: comparable to OpenBLAS called from C
  const addon = loadAddon();
  const rng = new Rng(1);
  const [a, b, c] = [rng.normalArray(1 << 20), rng.normalArray(1 << 20), new Float32Array(1 << 20)];
  const dims = Int32Array.from([1, 1, 1, 1024, 1024, 1024, 0, 0]);
  out['sgemm 1024 (kernel only)'] = await timeWorkload({ name: 'k', setup: () => ({ run: () => addon.batchMatMul(a, b, c, dims), dispose() {} }) }, 15, 3);
}
process.stdout.write(JSON.stringify(out));
