// C3 pilot (npx tsx scripts/c3-pilot.ts): the ci scale's training rate and length. Only the float network's test accuracy is
// looked at (the float-accuracy premise needs a network that has learned the task), on pilot seeds 1001-1003, disjoint from
// the verdict's seeds; no quantization, allocation or verdict is computed. The ci cost caps the epochs.
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
for (const epochs of [3, 5]) {
  for (const lr of [0.003, 0.01, 0.03]) {
    const accs: number[] = [];
    for (const seed of [1001, 1002, 1003]) {
      const rng = new Rng(seed);
      const model = avgPoolCnn({ inputShape: [side, side, 1], channels: p.channels, hidden: [p.hidden], numClasses: 10 }, rng.fork('init'));
      await train({ model, data: trainSet, transform: adam(lr), batchSize: p.batchSize, epochs, rng: rng.fork('train'), progress: 'silent' });
      accs.push(evaluate(model, test).accuracy);
      model.dispose();
    }
    console.log(`epochs ${epochs} lr ${lr}: float test accuracy ${accs.map((a) => a.toFixed(3)).join(' ')}`);
  }
}
