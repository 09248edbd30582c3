/**
 * One-off migration of the records' code versions to the definition without presentation modules
 * (figures, display). A record is re-stamped only when it is provably from a commit's code: the old
 * definition's hash at the commit that added the record equals the hash stored in it; the new hash is
 * then computed from that same commit. Other records are left as they are (stale: re-run them).
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
  if (codeVersion(rec.id, slug, src).code === rec.provenance.code) continue; // already on the new definition
  const old = codeVersion(rec.id, slug, src, { presentation: true });
  if (old.code !== rec.provenance.code) { console.log(`${rec.id} ${rec.scale}: code at ${added.slice(0, 12)} is not the record's; left`); continue; }
  const now = codeVersion(rec.id, slug, src);
  writeRecord({ ...rec, provenance: { ...rec.provenance, ...now } }, { force: true });
  console.log(`${rec.id} ${rec.scale}: ${rec.provenance.code} -> ${now.code} (code of ${added.slice(0, 12)})`);
}
