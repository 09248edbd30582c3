/**
 * What a claim's ci experiment costs: its seeds run in this process (one thread of the native engine's
 * pool, no worker processes), timed in CPU and wall seconds, beside the ci test's budget. The CI
 * budget (issue 28): the whole suite within 12 minutes for 41 claims, so a claim's experiment should
 * cost at most ~5 CPU seconds here (the notebook kernel, its imports and the test add ~10 s more).
 * It prints no verdict on purpose: a ci setting is chosen by its cost, never by its outcome.
 *   npx tsx scripts/ci-cost.ts A1 B9      (no ids: every claim)
 */
import { initEngine } from '../src/engine/backend.js';
import { loadClaims } from '../src/claims/registry.js';
import { runClaim } from '../src/claims/run.js';

const BUDGET_CPU_S = 5;
await initEngine({ quiet: true });
const ids = process.argv.slice(2).map((s) => s.toUpperCase());
const claims = (await loadClaims()).filter((c) => !ids.length || ids.includes(c.id));
if (ids.length && claims.length !== ids.length) throw new Error(`unknown claim id among ${ids.join(' ')}`);
console.log('| claim | seeds | cpu (s) | wall (s) | within budget |\n|---|---:|---:|---:|---|');
for (const claim of claims) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await runClaim(claim, claim.scales.ci, { workers: 1 });
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  console.log(`| ${claim.id} | ${claim.scales.ci.seeds.length} | ${cpuS.toFixed(1)} | ${((performance.now() - t0) / 1000).toFixed(1)} | ${cpuS <= BUDGET_CPU_S ? 'yes' : 'NO'} |`);
}
