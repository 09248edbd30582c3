/** reproduce --check: identical tables from identical seeds, named differences otherwise, and seeds that matter. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { changedColumns, checkDeterminism, describeCheck, firstDifference } from '../src/claims/check.js';
import { meanOf, verdict } from '../src/claims/kit/verdict.js';
import { defineClaim } from '../src/claims/types.js';
import { Rng } from '../src/random/rng.js';
import { recordReliability } from './reliability/record.js';

const fake = (value: (seed: number) => number) => defineClaim({
  id: 'E99', slug: 'fake', paper: 'p', claim: 'c', setting: 's', rule: 'r',
  scales: { smoke: { seeds: [1, 2] }, ci: { seeds: [1, 2] }, full: { seeds: [1, 2] } },
  seed: async (_p, seed: number) => ({ seed, value: value(seed) }),
  summarize: (_p, per: { seed: number; value: number }[]) => ({
    rows: per.map((s) => ({ seed: s.seed, arm: 'a', value: s.value })),
    verdict: verdict({ effects: [meanOf('mean', 'mean value', per.map((s) => s.value), { kind: 'direction', sign: 1, smallest: 0 })] }),
    figures: [],
  }),
});

const planted: boolean[] = [];

describe('determinism check', () => {
  afterAll(() => recordReliability('determinism: the check catches planted faults (an unseeded source, an ignored seed)', planted.length, planted.filter(Boolean).length));

  it('compares cells bit for bit: NaN equals NaN, 0 differs from -0, and names the row and column', () => {
    expect(firstDifference([{ a: NaN, b: 'x' }], [{ a: NaN, b: 'x' }])).toBeNull();
    expect(firstDifference([{ a: 0 }], [{ a: -0 }])).toMatchObject({ row: 0, column: 'a' });
    expect(firstDifference([{ a: 1, b: 0.1 + 0.2 }], [{ a: 1, b: 0.3 }])).toMatchObject({ row: 0, column: 'b', a: 0.30000000000000004, b: 0.3 });
    expect(firstDifference([{ a: 1 }], [{ a: 1 }, { a: 2 }])).toMatchObject({ row: 1, column: '(row count)' });
    expect(firstDifference([{ a: 1 }], [{ a: 1, extra: 2 }])).toMatchObject({ column: 'extra' });
    expect(changedColumns([{ seed: 1, v: 1, w: 2, s: 'x' }], [{ seed: 2, v: 1, w: 3, s: 'y' }])).toEqual(['w']);
  });

  it('passes a seeded experiment', async () => {
    const c = await checkDeterminism(fake((s) => new Rng(s).normal()), fake(() => 0).scales.smoke, { workers: 1 });
    expect(c).toMatchObject({ ok: true, difference: null, rows: 2, columns: 3, seedSensitiveColumns: ['value'] });
    expect(describeCheck(c)).toMatch(/^E99 identical twice \(2 rows x 3 columns, bit for bit\); other seeds change 1 column/);
  });

  it('fails an experiment that draws from an unseeded source, naming the column', async () => {
    const c = await checkDeterminism(fake(() => Math.random()), fake(() => 0).scales.smoke, { workers: 1 });
    planted.push(!c.ok);
    expect(c.ok).toBe(false);
    expect(c.difference).toMatchObject({ table: 'rows', row: 0, column: 'value' });
    expect(describeCheck(c)).toMatch(/^E99 DIFFERS between two runs with the same seeds: rows row 0, column 'value'/);
  });

  it('fails an experiment that ignores its seed', async () => {
    const c = await checkDeterminism(fake(() => 42), fake(() => 0).scales.smoke, { workers: 1 });
    planted.push(!c.ok);
    expect(c).toMatchObject({ ok: false, difference: null, seedSensitiveColumns: [] });
    expect(describeCheck(c)).toMatch(/IGNORES ITS SEEDS/);
  });

  it('noiselab reproduce --check passes real claims, seeds spread over worker processes', () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'noiselab.js');
    const ids = ['A13', 'C1', 'E1'];
    const r = spawnSync(process.execPath, [bin, 'reproduce', '--check', '--scale', 'smoke', '--workers', '2', '--json', ...ids.flatMap((id) => ['--claim', id])], { encoding: 'utf8', timeout: 600_000 });
    expect(r.status, r.stderr).toBe(0);
    const checks = JSON.parse(r.stdout);
    expect(checks.map((c: { id: string }) => c.id)).toEqual(ids);
    recordReliability('determinism: reproduce --check (3 claims at smoke, seeds on 2 worker processes)', checks.length, checks.filter((c: { ok: boolean }) => c.ok).length,
      'each claim run twice with the same seeds (tables and verdict numbers bit for bit) and once with seeds + 1000 (numbers must change)');
    for (const c of checks) expect(c, describeCheck(c)).toMatchObject({ ok: true, difference: null });
    expect(r.stderr).toMatch(/determinism at scale smoke: 3\/3 claims pass/);
  }, 600_000);
});
