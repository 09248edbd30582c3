import { initEngine } from './src/engine/backend.js';
import { workloads } from './bench/workloads.js';
await initEngine({ quiet: true });
const s = workloads[Number(process.argv[2] ?? 1)].setup();
for (let i = 0; i < 3; i++) s.run();
const t0 = performance.now();
for (let i = 0; i < 20; i++) s.run();
console.log('ms/step', ((performance.now() - t0) / 20).toFixed(1));
s.dispose();
