/** The run history: Arrow files per claim, read back exactly, and reuse only on identical parameters, code and backend. */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendRun, canonicalJson, codeVersion, historyDir, paramsKey, reusableRun, rowsTable, runsTable, storedRun } from '../src/results/history.js';
import { meanOf, verdict } from '../src/claims/kit/verdict.js';
import type { RunRecord } from '../src/results/store.js';
import { tempDir } from './helpers.js';

const record = (over: Partial<RunRecord> = {}): RunRecord => ({
  id: 'A1', scale: 'ci', params: { seeds: [1, 2], lr: 0.1 }, backend: 'native', commit: 'abc', date: '2026-11-30T01:02:03.456Z', durationSec: 12.5,
  verdict: { ...verdict({ effects: [meanOf('d', 'd', [-0.4, -0.6], { kind: 'direction', sign: -1, smallest: 0 })] }), numbers: { d: -0.5, inf: Infinity, nan: NaN } },
  rows: [{ seed: 1, arm: 'a', loss: 0.5, ok: true }, { seed: 2, arm: 'a', loss: null, ok: false }],
  figures: [{ data: [{ x: [1], y: [2] }], layout: { title: { text: 't' } } }],
  ...over,
});

describe('run history', () => {
  it('appends runs and reads each back exactly (NaN and infinities kept)', () => {
    const dir = tempDir();
    const r1 = appendRun(record(), { code: 'c1' }, dir);
    const r2 = appendRun(record({ date: '2026-11-30T02:00:00.000Z', rows: [{ seed: 1, arm: 'b', loss: 0.25, ok: true }] }), { code: 'c1' }, dir);
    expect(r1).not.toBe(r2);
    expect(runsTable('A1', dir).numRows()).toBe(2);
    expect(rowsTable('A1', undefined, dir).numRows()).toBe(3);
    expect(rowsTable('A1', [r2], dir).objects()).toEqual([{ run: r2, seed: 1, arm: 'b', loss: 0.25, ok: true }]);
    const back = storedRun('A1', r1, dir)!;
    const { run, code, paramsKey: key, ...rest } = back;
    expect({ run, code, key }).toEqual({ run: r1, code: 'c1', key: paramsKey({ seeds: [1, 2], lr: 0.1 }) });
    expect(rest).toEqual(record());
    expect(storedRun('A1', 'nope', dir)).toBeNull();
    // no temporary files left beside the Arrow files
    expect(readdirSync(historyDir(dir)).sort()).toEqual(['A1.rows.arrow', 'A1.runs.arrow']);
  });

  it('reuses only a run with the same parameters (in any key order), code, backend and scale; the latest one', () => {
    const dir = tempDir();
    appendRun(record(), { code: 'c1' }, dir);
    const later = appendRun(record({ date: '2026-12-01T00:00:00.000Z' }), { code: 'c1' }, dir);
    const key = { params: { lr: 0.1, seeds: [1, 2] }, code: 'c1', backend: 'native', scale: 'ci' };
    expect(reusableRun('A1', key, dir)?.run).toBe(later);
    expect(reusableRun('A1', { ...key, code: 'c2' }, dir)).toBeNull();
    expect(reusableRun('A1', { ...key, backend: 'wasm' }, dir)).toBeNull();
    expect(reusableRun('A1', { ...key, scale: 'full' }, dir)).toBeNull();
    expect(reusableRun('A1', { ...key, params: { lr: 0.1, seeds: [1, 2, 3] } }, dir)).toBeNull();
    expect(reusableRun('B1', key, dir)).toBeNull();
  });

  it('keeps a column whose kind changed between runs, as text', () => {
    const dir = tempDir();
    appendRun(record({ rows: [{ seed: 1, arm: 'a', value: 3 }] }), { code: 'c' }, dir);
    appendRun(record({ rows: [{ seed: 1, arm: 'a', value: 'n/a' }] }), { code: 'c' }, dir);
    expect(rowsTable('A1', undefined, dir).array('value')).toEqual(['3', 'n/a']);
  });

  it('names a corrupt history file and leaves it as it was', () => {
    const dir = tempDir();
    mkdirSync(historyDir(dir), { recursive: true });
    const file = join(historyDir(dir), 'A1.runs.arrow');
    writeFileSync(file, 'not arrow');
    expect(() => runsTable('A1', dir)).toThrow(new RegExp(`${file}: unreadable Arrow file`));
    expect(() => appendRun(record(), { code: 'c' }, dir)).toThrow(/unreadable Arrow file/);
    expect(readFileSync(file, 'utf8')).toBe('not arrow');
  });

  it('hashes parameters independently of key order, and code by every file under src/', () => {
    expect(canonicalJson({ b: [1, { d: 2, c: 3 }], a: null })).toBe('{"a":null,"b":[1,{"c":3,"d":2}]}');
    expect(paramsKey({ a: 1, b: 2 })).toBe(paramsKey({ b: 2, a: 1 }));
    const root = tempDir();
    mkdirSync(join(root, 'src', 'x'), { recursive: true });
    writeFileSync(join(root, 'src', 'x', 'a.ts'), 'export const a = 1;');
    const v1 = codeVersion(root);
    expect(codeVersion(root)).toBe(v1);
    writeFileSync(join(root, 'src', 'x', 'a.ts'), 'export const a = 2;');
    expect(codeVersion(root)).not.toBe(v1);
    expect(existsSync(join(root, 'package-lock.json'))).toBe(false);
  });
});
