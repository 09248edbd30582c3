/**
 * One-off migration of the records' code versions to the definition that counts the engine a record ran on
 * (provenance.backend) rather than the module that chooses it (records.ts ENGINE_CHOICE), so that adding an
 * engine to the choice leaves the records of the others current (earlier migrations are in this file's
 * history). A record is re-stamped only when it is provably from a commit's code: the previous
 * definition's code and lockfile hashes at the clean commit it ran at (or, from a dirty tree, the commit
 * that last wrote it) equal those stored in it; the new hashes are then computed from that same commit.
 * Other records are left as they are (stale: re-run them).
 *   npx tsx scripts/restamp-records.ts [ID...]    (no ids: every record)
 * RESTAMP_FROM=<rev> looks for the commit that last wrote a record from a dirty tree at or before <rev>.
 */
import { execFileSync } from 'node:child_process';
import { loadClaims } from '../src/claims/registry.js';
import { atCommit, codeVersion, readRecords, recordPath, writeRecord, type CodeSource } from '../src/results/records.js';

const claims = await loadClaims();
/** one source per commit, its files read once (git is slow to spawn per file) */
const sources = new Map<string, CodeSource>();
const sourceAt = (commit: string): CodeSource => {
  let src = sources.get(commit);
  if (!src) {
    const base = atCommit(commit);
    const read = new Map<string, Buffer>();
    const exists = new Map<string, boolean>();
    src = {
      exists: (f) => { let e = exists.get(f); if (e === undefined) exists.set(f, (e = base.exists(f))); return e; },
      read: (f) => { let b = read.get(f); if (!b) read.set(f, (b = base.read(f))); return b; },
      list: (d) => base.list(d),
    };
    sources.set(commit, src);
  }
  return src;
};
const only = process.argv.slice(2).map((s) => s.toUpperCase());
for (const rec of readRecords().filter((r) => !only.length || only.includes(r.id))) {
  const slug = claims.find((c) => c.id === rec.id)!.slug;
  const file = recordPath(rec.id, rec.scale).replace(`${process.cwd()}/`, '');
  // the clean commit the record ran at, else the commit that last wrote it (a record from a dirty tree)
  const added = !rec.provenance.dirty && rec.provenance.commit ? rec.provenance.commit
    : execFileSync('git', ['log', '-1', '--format=%H', process.env.RESTAMP_FROM ?? 'HEAD', '--', file], { encoding: 'utf8' }).trim();
  if (!added) { console.log(`${rec.id} ${rec.scale}: not committed; left`); continue; }
  const src = sourceAt(added);
  const now = codeVersion(rec.id, slug, src, { scale: rec.scale, engine: rec.provenance.backend });
  if (now.code === rec.provenance.code && now.lockfile === rec.provenance.lockfile) continue; // already on the new definition
  const before = codeVersion(rec.id, slug, src, { scale: rec.scale, engine: 'as-imported' });
  if (before.code !== rec.provenance.code || before.lockfile !== rec.provenance.lockfile) { console.log(`${rec.id} ${rec.scale}: code at ${added.slice(0, 12)} is not the record's; left`); continue; }
  writeRecord({ ...rec, provenance: { ...rec.provenance, ...now } }, { force: true });
  console.log(`${rec.id} ${rec.scale}: code ${rec.provenance.code} -> ${now.code} (code of ${added.slice(0, 12)})`);
}
