/**
 * One-off migration of the records' code versions to the definition that counts the engine and the backend
 * a record ran on (provenance.backend) rather than the choice among the backends (records.ts ENGINE_CHOICE,
 * ENGINE_MODULES), so that adding a backend to the choice leaves the records of the others
 * current (earlier migrations are in this file's history). A record is re-stamped only when it is provably
 * from a commit's code: the previous definition's code and lockfile hashes at the clean commit it ran at
 * (or, from a dirty tree, the commit that last wrote it) equal those stored in it; the new hashes are then
 * computed from that same commit. A record from a dirty tree is re-stamped only when every file the new
 * definition adds to its closure is the same at its base commit and at that commit (the dirty tree's
 * files are known only where they were committed with the record). Other records are left as they are
 * (stale: re-run them).
 * RESTAMP_BASE=<rev> takes the stored hashes to prove from the record as it was at <rev> (the same run:
 * its verdict and everything but the code hash unchanged), for a migration over an earlier one.
 *   npx tsx scripts/restamp-records.ts [ID...]    (no ids: every record)
 * RESTAMP_FROM=<rev> looks for the commit that last wrote a record from a dirty tree at or before <rev>.
 */
import { execFileSync } from 'node:child_process';
import { loadClaims } from '../src/claims/registry.js';
import { atCommit, codeVersion, moduleClosure, readRecords, recordPath, writeRecord, type ClaimRecord, type CodeSource } from '../src/results/records.js';

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
const base = process.env.RESTAMP_BASE;
const git = (args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
/** The record as it was at `base` when it is the same run as `rec` (all but its code hash equal), else null. */
const proofRecord = (rec: ClaimRecord, file: string): ClaimRecord | null => {
  if (!base) return rec;
  let old: ClaimRecord;
  try { old = JSON.parse(git(['show', `${base}:${file}`])) as ClaimRecord; } catch { return null; }
  const same = (r: ClaimRecord) => JSON.stringify({ ...r, provenance: { ...r.provenance, code: '' } });
  return same(old) === same(rec) ? old : null;
};
for (const rec of readRecords().filter((r) => !only.length || only.includes(r.id))) {
  const slug = claims.find((c) => c.id === rec.id)!.slug;
  const file = recordPath(rec.id, rec.scale).replace(`${process.cwd()}/`, '');
  const stored = proofRecord(rec, file);
  if (!stored) { console.log(`${rec.id} ${rec.scale}: not the run that ${file} held at ${base}; left`); continue; }
  // the clean commit the record ran at, else the commit that last wrote it (a record from a dirty tree)
  const added = !rec.provenance.dirty && rec.provenance.commit ? rec.provenance.commit
    : git(['log', '-1', '--format=%H', process.env.RESTAMP_FROM ?? base ?? 'HEAD', '--', file]).trim();
  if (!added) { console.log(`${rec.id} ${rec.scale}: not committed; left`); continue; }
  const src = sourceAt(added);
  const engine = rec.provenance.backend;
  const now = codeVersion(rec.id, slug, src, { scale: rec.scale, engine });
  if (now.code === rec.provenance.code && now.lockfile === rec.provenance.lockfile) continue; // already on the new definition
  const before = codeVersion(rec.id, slug, src, { scale: rec.scale, engine: 'as-imported' });
  if (before.code !== stored.provenance.code || before.lockfile !== stored.provenance.lockfile) { console.log(`${rec.id} ${rec.scale}: code at ${added.slice(0, 12)} is not the record's; left`); continue; }
  if (rec.provenance.dirty && rec.provenance.commit) {
    const entry = `src/claims/${rec.id.toLowerCase()}-${slug}.ts`;
    const old = new Set(moduleClosure(entry, src, { engine: 'as-imported' }));
    const at = sourceAt(git(['rev-parse', rec.provenance.commit]).trim());
    const moved = moduleClosure(entry, src, { engine }).filter((f) => !old.has(f) && (!at.exists(f) || !at.read(f).equals(src.read(f))));
    if (moved.length) { console.log(`${rec.id} ${rec.scale}: from a dirty tree, and ${moved.join(', ')} differ between its base ${rec.provenance.commit} and ${added.slice(0, 12)}; left`); continue; }
  }
  writeRecord({ ...rec, provenance: { ...rec.provenance, ...now } }, { force: true });
  console.log(`${rec.id} ${rec.scale}: code ${rec.provenance.code} -> ${now.code} (code of ${added.slice(0, 12)})`);
}
