// C3 pilot, two modes, on pilot seeds 1001-1010 (disjoint from the verdict's seeds 1-10).
//
// 1. float (npx tsx scripts/c3-pilot.ts [hidden] [lrs] [epochs], e.g. 8 0.01,0.02 5): the ci scale's training rate and length. Only the float network is looked at: its
// test accuracy (the float-accuracy premise needs a network that has learned the task) and whether it died (every
// prediction the same class: all ReLUs of a layer off, a zero Hessian); no quantization, allocation or verdict is computed. The ci cost caps the epochs.
//
// 2. alloc (npx tsx scripts/c3-pilot.ts alloc [scale] [probes] [seeds]): the bit set and budget (issue: the review of the first
// full run). At the scale's network (full by default), per pilot seed: the float network, its layers' average traces (Hutchinson,
// `probes` probes on the scale's Hessian examples), then for each candidate bit set and budget only the allocations are
// looked at, never an accuracy: whether HAWQ-V2's Pareto choice is mixed precision, and how often the same procedure with the
// traces permuted across layers (every non-identity permutation), at HAWQ-V2's size within a tolerance, picks a different
// assignment (the control has content only where it does), and the trace-free proxy (every layer the same average trace).
import { initEngine } from '../src/engine/backend.js';
import { downsample } from '../src/data/dataset.js';
import { avgPoolCnn } from '../src/models/avgpool-cnn.js';
import { Rng } from '../src/random/rng.js';
import { train } from '../src/train/loop.js';
import { adam } from '../src/train/transforms.js';
import { evaluate, fmnistSplits } from '../src/claims/shared/fmnist.js';
import { claim } from '../src/claims/c3-hessian-aware-bits.js';
import * as tf from '@tensorflow/tfjs';
import { toTensors } from '../src/data/dataset.js';
import { crossEntropy } from '../src/train/losses.js';
import { hessianOperator } from '../src/techniques/curvature/operator.js';
import { hutchinsonTrace } from '../src/techniques/curvature/spectrum.js';
import { quantizeSymmetric } from '../src/techniques/quantization/quantize.js';
import { choiceNearSize, isUniform, paretoChoice, permutations, scoreAssignments } from '../src/techniques/quantization/pareto.js';
await initEngine({ quiet: true });
if (process.argv[2] === 'alloc') { await allocPilot(); process.exit(0); }
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

async function allocPilot(): Promise<void> {
  const scale = (process.argv[3] ?? 'full') as 'ci' | 'full';
  const q = claim.scales[scale];
  const probes = Number(process.argv[4] ?? 100);
  const seeds = (process.argv[5] ?? '1001,1002,1003,1004,1005,1006,1007,1008,1009,1010').split(',').map(Number);
  const sp = fmnistSplits(q);
  const tr = downsample(sp.train, q.pool);
  const te = downsample(sp.test, q.pool);
  const sd = 28 / q.pool;
  const candidates: { bits: number[]; budgetBits: number }[] = [
    { bits: [2, 4, 8], budgetBits: 3 }, { bits: [2, 4, 8], budgetBits: 3.5 }, { bits: [2, 4, 8], budgetBits: 4.5 }, { bits: [2, 4, 8], budgetBits: 5 },
    { bits: [3, 4, 6, 8], budgetBits: 3.5 }, { bits: [3, 4, 6, 8], budgetBits: 4.5 }, { bits: [3, 4, 6, 8], budgetBits: 5 }, { bits: [3, 4, 6, 8], budgetBits: 5.5 },
    { bits: [2, 3, 4, 6, 8], budgetBits: 3.5 }, { bits: [2, 3, 4, 6, 8], budgetBits: 4.5 }, { bits: [2, 3, 4, 6, 8], budgetBits: 5 },
  ];
  const tols = [0.05, 0.1];
  const perms = permutations(4).slice(1);
  const stats = candidates.map(() => ({ mixed: 0, proxyDiffers: 0, differs: tols.map(() => 0), sizeRatio: tols.map(() => 0), freeRatio: 0, picks: [] as string[] }));
  for (const seed of seeds) {
    const t0 = performance.now();
    const rng = new Rng(seed);
    const model = avgPoolCnn({ inputShape: [sd, sd, 1], channels: q.channels, hidden: [q.hidden], numClasses: 10 }, rng.fork('init'));
    await train({ model, data: tr, transform: adam(q.lr), batchSize: q.batchSize, epochs: q.epochs, rng: rng.fork('train'), progress: 'silent' });
    const acc = evaluate(model, te).accuracy;
    const hess = toTensors({ ...tr, x: tr.x.subarray(0, q.nHessian * sd * sd), y: tr.y.subarray(0, q.nHessian) });
    const layers = model.params.flatMap((w, i) => (w.shape.length >= 2 ? [i] : []));
    const loss = (ps: readonly tf.Tensor[]) => crossEntropy()(model.apply(hess.x, ps), hess.y);
    const avgTrace = layers.map((idx, k) => {
      const op = hessianOperator((qs) => loss(model.params.map((w, i) => (i === idx ? qs[0] : w))), [model.params[idx]]);
      return hutchinsonTrace(op, { samples: probes, rng: rng.fork(`pilot-hutchinson-${k}`) }).mean / op.dim;
    });
    const sizes = layers.map((i) => model.params[i].size);
    const weights = layers.map((i) => model.params[i].dataSync());
    const pert = (l: number, b: number) => { const w = weights[l]; const z = quantizeSymmetric(w, b); let s = 0; for (let j = 0; j < w.length; j++) s += (z[j] - w[j]) ** 2; return s; };
    console.log(`seed ${seed}: float accuracy ${acc.toFixed(3)}; average traces ${avgTrace.map((t) => t.toFixed(4)).join(' ')}; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    candidates.forEach((c, ci) => {
      const st = stats[ci];
      const budget = c.budgetBits * sizes.reduce((a, b) => a + b, 0);
      const pick = paretoChoice(scoreAssignments(sizes, c.bits, avgTrace, pert), budget);
      if (!isUniform(pick.bits)) st.mixed++;
      st.picks.push(pick.bits.join('/'));
      const proxy = choiceNearSize(scoreAssignments(sizes, c.bits, avgTrace.map(() => 1), pert), budget, pick.size, tols[0]);
      if (proxy.bits.join() !== pick.bits.join()) st.proxyDiffers++;
      for (const pm of perms) {
        const scored = scoreAssignments(sizes, c.bits, pm.map((j) => avgTrace[j]), pert);
        st.freeRatio += paretoChoice(scored, budget).size / pick.size / perms.length / seeds.length;
        tols.forEach((tol, ti) => {
          const ctl = choiceNearSize(scored, budget, pick.size, tol);
          if (ctl.bits.join() !== pick.bits.join()) st.differs[ti]++;
          st.sizeRatio[ti] += ctl.size / pick.size / perms.length / seeds.length;
        });
      }
    });
    tf.dispose([hess.x, hess.y]);
    model.dispose();
  }
  candidates.forEach((c, ci) => {
    const st = stats[ci];
    const n = seeds.length * perms.length;
    console.log(`bits {${c.bits.join(',')}} budget ${c.budgetBits}: HAWQ-V2 mixed on ${st.mixed}/${seeds.length} (${st.picks.join(' ')}); ` +
      tols.map((tol, ti) => `tol ${tol}: shuffled control differs ${st.differs[ti]}/${n}, size ratio ${st.sizeRatio[ti].toFixed(3)}`).join('; ') +
      `; unconstrained shuffled Pareto size ratio ${st.freeRatio.toFixed(3)}; trace-free proxy differs ${st.proxyDiffers}/${seeds.length}`);
  });
}
