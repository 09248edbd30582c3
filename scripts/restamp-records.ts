/**
 * One-off migration of the records' code versions to the scale-scoped definition (a record's code
 * version counts the claim's settings at its own scale only; the earlier migration, to the definition
 * without presentation modules, is in this file's history). A record is re-stamped only when it is
 * provably from a commit's code: the previous definition's hash at the commit that last wrote the
 * record equals the hash stored in it; the new hash is then computed from that same commit. Other
 * records are left as they are (stale: re-run them).
 *   npx tsx scripts/restamp-records.ts
 */
import { execFileSync } from 'node:child_process';
import { loadClaims } from '../src/claims/registry.js';
import { atCommit, codeVersion, readRecords, recordPath, writeRecord } from '../src/results/records.js';

const claims = await loadClaims();
for (const rec of readRecords()) {
  const slug = claims.find((c) => c.id === rec.id)!.slug;
  const file = recordPath(rec.id, rec.scale).replace(`${process.cwd()}/`, '');
  const added = execFileSync('git', ['log', '-1', '--format=%H', '--', file], { encoding: 'utf8' }).trim();
  if (!added) { console.log(`${rec.id} ${rec.scale}: not committed; left`); continue; }
  const src = atCommit(added);
  const now = codeVersion(rec.id, slug, src, { scale: rec.scale });
  if (now.code === rec.provenance.code) continue; // already on the new definition
  if (codeVersion(rec.id, slug, src).code !== rec.provenance.code) { console.log(`${rec.id} ${rec.scale}: code at ${added.slice(0, 12)} is not the record's; left`); continue; }
  writeRecord({ ...rec, provenance: { ...rec.provenance, ...now } }, { force: true });
  console.log(`${rec.id} ${rec.scale}: ${rec.provenance.code} -> ${now.code} (code of ${added.slice(0, 12)})`);
}
