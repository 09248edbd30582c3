import * as tf from '@tensorflow/tfjs';
import { initEngine } from './src/engine/backend.js';
import { workloads } from './bench/workloads.js';
await initEngine({ quiet: true });
const which = Number(process.argv[2] ?? 1);
const s = workloads[which].setup();
s.run(); s.run();
const prof = await tf.profile(() => { s.run(); });
const agg = new Map<string, { ms: number; n: number }>();
for (const k of prof.kernels) { const a = agg.get(k.name) ?? { ms: 0, n: 0 }; a.ms += Number(k.kernelTimeMs); a.n++; agg.set(k.name, a); }
const rows = [...agg.entries()].sort((a, b) => b[1].ms - a[1].ms);
const total = rows.reduce((s, r) => s + r[1].ms, 0);
console.log(workloads[which].name, 'kernel total', total.toFixed(1), 'ms, kernels', prof.kernels.length);
for (const [name, a] of rows.slice(0, 18)) console.log(name.padEnd(22), a.ms.toFixed(2).padStart(8), String(a.n).padStart(4));
const t0 = performance.now(); for (let i = 0; i < 5; i++) s.run(); console.log('wall', ((performance.now() - t0) / 5).toFixed(1));
s.dispose();
