// A12 pilot (npx tsx scripts/a12-pilot.ts ci|full): pilot for A12's targets with batch norm (seeds 101-103, disjoint from the verdict's 1-10): the median over
// pilot seeds of the constant arm's best test accuracy at the largest budget, rounded down to 0.01.
import { initEngine } from '../src/engine/backend.js';
import { claim, seedA12 } from '../src/claims/a12-one-cycle.js';
await initEngine({ quiet: true });
const which = process.argv[2] as 'ci' | 'full';
const p = { ...claim.scales[which], ...(which === 'full' ? { budgets: [16] } : {}) } as any;
const best: number[] = [];
for (const seed of [101, 102, 103]) {
  const t0 = Date.now();
  const s = await seedA12(p, seed);
  best.push(s.constantCurve.at(-1)!);
  console.log(which, seed, 'maxLr', s.maxLr.toFixed(3), 'constant best at', p.budgets.at(-1), s.constantCurve.at(-1)!.toFixed(4), 'one-cycle', s.oneCycleFinal.map((a: number) => a.toFixed(4)).join(' '), `${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
best.sort((a, b) => a - b);
console.log(which, 'median', best[1].toFixed(4), 'target', Math.floor(best[1] * 100) / 100);
