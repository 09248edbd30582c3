/**
 * One-off migration of the records' code versions to the definition whose lockfile part hashes only
 * the lock entries of the packages the claim's code imports (and their dependencies), not the whole
 * lockfile, and where a comment above one scale's settings counts for that scale only (earlier migrations, to scale-scoped settings and to no presentation modules, are in this
 * file's history). A record is re-stamped only when it is provably from a commit's code: the previous
 * definition's code and lockfile hashes at the commit that last wrote the record equal those stored in
 * it; the new hashes are then computed from that same commit. Other records are left as they are
 * (stale: re-run them).
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
  if (now.code === rec.provenance.code && now.lockfile === rec.provenance.lockfile) continue; // already on the new definition
  // the definitions in force before: the whole lockfile; then also comments above a scale's entry shared by all scales
  const before = [codeVersion(rec.id, slug, src, { scale: rec.scale, wholeLockfile: true, sharedComments: true }), codeVersion(rec.id, slug, src, { scale: rec.scale, sharedComments: true })];
  if (!before.some((b) => b.code === rec.provenance.code && b.lockfile === rec.provenance.lockfile)) { console.log(`${rec.id} ${rec.scale}: code at ${added.slice(0, 12)} is not the record's; left`); continue; }
  writeRecord({ ...rec, provenance: { ...rec.provenance, ...now } }, { force: true });
  console.log(`${rec.id} ${rec.scale}: lockfile ${rec.provenance.lockfile} -> ${now.lockfile} (code of ${added.slice(0, 12)})`);
}
