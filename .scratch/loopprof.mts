import { initEngine } from '../src/engine/backend.js';
import { workloads as WORKLOADS } from '../bench/workloads.js';
await initEngine({ backend: 'native', quiet: true });
const want = process.env.W ?? 'train()';
const w = WORKLOADS.find((x) => x.name.startsWith(want))!;
const { run, dispose } = w.setup();
const N = Number(process.env.N ?? 60);
for (let i = 0; i < 30; i++) await run();
const t: number[] = [];
for (let i = 0; i < N; i++) { const s = performance.now(); await run(); t.push(performance.now() - s); }
t.sort((a, b) => a - b);
console.log(t.map((x) => x.toFixed(1)).join(' '));
console.log(w.name, 'median', t[Math.floor(N / 2)].toFixed(2), 'min', t[0].toFixed(2));
dispose();
