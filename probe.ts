// scratch: run a claim with parameter overrides (not committed)
import { initEngine } from './src/engine/backend.js';
import * as tf from '@tensorflow/tfjs';
await initEngine({ quiet: true });
const [file, scale, json] = process.argv.slice(2);
const { claim } = await import(`./src/claims/${file}.ts`);
const t0 = Date.now();
const before = tf.memory().numTensors;
const r = await claim.run({ ...claim.scales[scale], ...JSON.parse(json ?? '{}') });
for (const row of r.rows) console.log(JSON.stringify(row, (k, v) => typeof v === 'number' ? Number(v.toPrecision(4)) : v));
console.log(r.verdict.status, '|', r.verdict.summary, '|', (Date.now() - t0) / 1000, 's leak', tf.memory().numTensors - before);
