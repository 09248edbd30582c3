// C3 pilot (npx tsx scripts/c3-pilot.ts [hidden] [lrs] [epochs], e.g. 8 0.01,0.02 5): the ci scale's training rate and length. Only the float network is looked at: its
// test accuracy (the float-accuracy premise needs a network that has learned the task) and whether it died (every
// prediction the same class: all ReLUs of a layer off, a zero Hessian), on pilot seeds 1001-1010, disjoint from the
// verdict's seeds; no quantization, allocation or verdict is computed. The ci cost caps the epochs.
import { initEngine } from '../src/engine/backend.js';
import { downsample } from '../src/data/dataset.js';
import { avgPoolCnn } from '../src/models/avgpool-cnn.js';
import { Rng } from '../src/random/rng.js';
import { train } from '../src/train/loop.js';
import { adam } from '../src/train/transforms.js';
import { evaluate, fmnistSplits } from '../src/claims/shared/fmnist.js';
import { claim } from '../src/claims/c3-hessian-aware-bits.js';
await initEngine({ quiet: true });
const p = claim.scales.ci;
const splits = fmnistSplits(p);
const trainSet = downsample(splits.train, p.pool);
const test = downsample(splits.test, p.pool);
const side = 28 / p.pool;
const hidden = Number(process.argv[2] ?? p.hidden);
for (const epochs of (process.argv[4] ?? '3,5').split(',').map(Number)) {
  for (const lr of (process.argv[3] ?? '0.003,0.01,0.02,0.03').split(',').map(Number)) {
    const accs: number[] = [];
    let dead = 0;
    for (let seed = 1001; seed <= 1010; seed++) {
      const rng = new Rng(seed);
      const model = avgPoolCnn({ inputShape: [side, side, 1], channels: p.channels, hidden: [hidden], numClasses: 10 }, rng.fork('init'));
      await train({ model, data: trainSet, transform: adam(lr), batchSize: p.batchSize, epochs, rng: rng.fork('train'), progress: 'silent' });
      const e = evaluate(model, test);
      accs.push(e.accuracy);
      const pred = new Set(Array.from({ length: test.y.length }, (_, i) => { const row = e.logits.subarray(10 * i, 10 * i + 10); return row.indexOf(Math.max(...row)); }));
      if (pred.size === 1) dead++;
      model.dispose();
    }
    console.log(`epochs ${epochs} lr ${lr}: float test accuracy ${accs.map((a) => a.toFixed(3)).join(' ')}; median ${[...accs].sort((a, b) => a - b)[5].toFixed(3)}; dead ${dead}/10`);
  }
}
