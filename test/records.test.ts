/** Verdicts of record: written atomically, never replaced by a smaller run, compared at printed precision, stale when code changes; README in sync. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { meanOf, verdict, type Verdict } from '../src/claims/kit/verdict.js';
import { loadClaims } from '../src/claims/registry.js';
import { reportRows } from '../src/report/markdown.js';
import { readmeBlock, readmeTable } from '../src/report/readme.js';
import {
  codeVersion, compareWithRecord, ENGINE_CHOICE, ENGINE_MODULES, describeDifference, lockedDependencies, moduleClosure, ownScaleOnly, packagesImported, readRecord, readRecords, recordPath, staleness, workingTree, writeRecord, type ClaimRecord, type CodeSource,
} from '../src/results/records.js';
import { projectRoot } from '../src/util/paths.js';
import { claimCodeVersion } from '../src/queue/claims.js';
import { tempDir } from './helpers.js';

const v = (values: number[]): Verdict => verdict({ effects: [meanOf('gain', 'gain', values, { kind: 'direction', sign: 1, smallest: 0.1 }, { digits: 2 })] });
const rec = (seeds: number[], vd = v([0.5, 0.6, 0.7])): ClaimRecord => ({
  id: 'A9', scale: 'ci', seeds, params: { seeds }, verdict: vd, rows: [{ seed: 1, x: NaN }],
  provenance: { ...codeVersion('A9', 'sgd-sai', workingTree(), { scale: 'ci', engine: 'native' }), backend: 'native', threads: 2, cpu: 'x', node: 'v20', tfjs: '4.22.0', commit: 'abc', dirty: false, date: '2026-12-01T00:00:00Z', runtimeSec: 1 },
});

describe('records', () => {
  it('are written atomically and read back; a smaller run never replaces a larger one; smoke runs are never records', () => {
    const dir = tempDir();
    writeRecord(rec([1, 2, 3]), { dir });
    expect(readRecord('A9', 'ci', dir)).toMatchObject({ id: 'A9', seeds: [1, 2, 3], rows: [{ seed: 1, x: 'NaN' }] });
    expect(() => writeRecord(rec([1, 2]), { dir })).toThrow(/2 seeds, the record 3; not replaced/);
    expect(readRecord('A9', 'ci', dir)!.seeds).toEqual([1, 2, 3]);
    expect(() => writeRecord({ ...rec([1]), scale: 'smoke' }, { dir })).toThrow(/smoke runs are not verdicts/);
    writeFileSync(recordPath('B1', 'ci', dir), '{oops');
    expect(() => readRecord('B1', 'ci', dir)).toThrow(new RegExp(`${recordPath('B1', 'ci', dir)}: not a readable record`));
    expect(readFileSync(recordPath('B1', 'ci', dir), 'utf8')).toBe('{oops');
  });

  it('compare with a fresh verdict at the printed precision, naming table, row and column', () => {
    const r = rec([1, 2, 3]);
    expect(compareWithRecord(r, v([0.5, 0.6, 0.7]))).toEqual([]);
    expect(compareWithRecord(r, v([0.5, 0.6, 0.701]))).toEqual([]); // 0.6003 prints as 0.60
    const d = compareWithRecord(r, v([0.5, 0.6, 0.8]));
    expect(d.map(describeDifference)).toContain("A9: effects 'gain', estimate: record 0.6, now 0.63");
    expect(compareWithRecord(r, v([0.0, 0.05, -0.05])).map((x) => `${x.table}/${x.column}`)).toEqual(expect.arrayContaining(['status/status', 'effects/outcome']));
  });

  it('know the code they were computed with: the claim module closure; a changed hash is stale', () => {
    const files = moduleClosure('src/claims/a9-sgd-sai.ts', workingTree(), { engine: 'native' });
    expect(files).toEqual(expect.arrayContaining(['src/claims/a9-sgd-sai.ts', 'src/claims/kit/verdict.ts', 'src/train/loop.ts', 'src/stats/tests.ts']));
    expect(files).not.toContain('src/claims/b1-smoothgrad.ts');
    const r = rec([1, 2, 3]);
    expect(staleness(r, 'sgd-sai')).toEqual([]);
    expect(staleness({ ...r, provenance: { ...r.provenance, code: 'old' } }, 'sgd-sai')).toEqual(['code']);
  });
  it("count the claim's settings at their own scale only: a smaller ci leaves the full record current", () => {
    const text = `const common = { a: 1 };\nexport const claim = defineClaim({\n  scales: {\n    smoke: { seeds: [1], n: f(2, { k: '}' }) }, // a comment, with a brace }\n    ci: { seeds: [1, 2], ...common, n: 20 },\n    full: { seeds: [1, 2, 3], ...common, n: [200, 400] },\n  },\n  seed: s,\n});\n`;
    expect(ownScaleOnly(text, 'full')).toBe(text.replace(/smoke: [^\n]*\n\s*ci: [^\n]*\n/, 'smoke: …, ci: …,\n'));
    expect(ownScaleOnly(text, 'ci')).toContain('ci: { seeds: [1, 2], ...common, n: 20 },\n    full: …,\n  },\n  seed: s');
    expect(ownScaleOnly('const x = 1;', 'ci')).toBe('const x = 1;');
    // a comment above an entry belongs to it
    const commented = text.replace('    full:', '    // full: ~25 min on 2 cores\n    full:');
    expect(ownScaleOnly(commented, 'ci')).toBe(ownScaleOnly(text, 'ci'));
    expect(ownScaleOnly(commented, 'full')).toContain('// full: ~25 min');
    // a claim module (a stand-in beside the real tree) edited at one scale
    const entry = 'src/claims/z9-fake.ts';
    const tree = workingTree();
    const withEntry = (t: string): CodeSource => ({ ...tree, exists: (f) => f === entry || tree.exists(f), read: (f) => (f === entry ? Buffer.from(t) : tree.read(f)) });
    const real = withEntry(`import { verdict } from './kit/verdict.js';\n${text}`);
    const ciEdit = withEntry(`import { verdict } from './kit/verdict.js';\n${text.replace('n: 20', 'n: 10')}`);
    const fullEdit = withEntry(`import { verdict } from './kit/verdict.js';\n${text.replace('n: [200, 400]', 'n: [200]')}`);
    const v = (src: CodeSource, scale: 'ci' | 'full') => codeVersion('Z9', 'fake', src, { scale, engine: 'native' }).code;
    expect(moduleClosure(entry, real, { engine: 'native' })).toContain('src/claims/kit/verdict.ts');
    expect(v(ciEdit, 'full')).toBe(v(real, 'full'));
    expect(v(ciEdit, 'ci')).not.toBe(v(real, 'ci'));
    expect(v(fullEdit, 'full')).not.toBe(v(real, 'full'));
    expect(v(fullEdit, 'ci')).toBe(v(real, 'ci'));
  });

  it('count the code a claim runs, not its documentation: comments, types and layout leave the version, code changes it', () => {
    const entry = 'src/claims/z9-fake.ts';
    const tree = workingTree();
    const module = (t: string): CodeSource => ({ ...tree, exists: (f) => f === entry || tree.exists(f), read: (f) => (f === entry ? Buffer.from(t) : tree.read(f)) });
    const v = (t: string) => codeVersion('Z9', 'fake', module(t), { scale: 'ci', engine: 'native' }).code;
    const base = "import { verdict } from './kit/verdict.js';\nexport function gain(n: number): number { return 2 * n; }\n";
    expect(v(`/** doubles */\n${base.replace('{ return', '{\n  // twice\n  return')}`)).toBe(v(base));
    // doc comments on class members too (esbuild keeps those unless whitespace is minified)
    const cls = "import { verdict } from './kit/verdict.js';\nexport class K {\n  f(n: number): number { return n; }\n}\n";
    expect(v(cls.replace('  f(', '  /** identity */\n  f('))).toBe(v(cls));
    expect(v(base.replace('(n: number): number', '(n: number | bigint): number'))).toBe(v(base));
    expect(v(base.replace('2 * n', '3 * n'))).not.toBe(v(base));
    expect(v(base.replace("'./kit/verdict.js'", "'./kit/verdict.js';\nimport './run.js'"))).not.toBe(v(base));
  });
  it('count the engine and the backend a record ran on, not the choice among the backends', async () => {
    const tree = workingTree();
    const edit = (file: string, f: (t: string) => string): CodeSource => ({ ...tree, read: (x) => (x === file ? Buffer.from(f(tree.read(x).toString('utf8'))) : tree.read(x)) });
    const v = (src: CodeSource, engine: string, id = 'A9', slug = 'sgd-sai') => codeVersion(id, slug, src, { scale: 'ci', engine }).code;
    expect(v(tree, 'webgpu')).not.toBe(v(tree, 'native'));
    // a change to the choice (a backend added to the preference list) leaves every backend's version
    const [core, choiceFile] = ENGINE_CHOICE;
    const choice = edit(choiceFile, (t) => t.replace("'native', 'wasm'", "'native', 'other', 'wasm'"));
    expect(choice.read(choiceFile).toString()).not.toBe(tree.read(choiceFile).toString());
    expect(v(choice, 'native')).toBe(v(tree, 'native'));
    expect(moduleClosure('src/claims/a9-sgd-sai.ts', tree, { engine: 'native' })).toEqual(expect.arrayContaining([core, choiceFile]));
    // what the engine imports statically (what every backend gets) counts, for every claim: also for one whose
    // own modules never import the engine (A13 takes gradients through softmax, whose gradient noiselab registers)
    expect(moduleClosure('src/claims/a13-gumbel-softmax.ts', tree, { engine: 'as-imported' })).not.toContain(core);
    const gradients = edit('src/engine/higher-order-gradients.ts', (t) => `${t}\nexport const changed = 1;\n`);
    expect(v(gradients, 'native', 'A13', 'gumbel-softmax')).not.toBe(v(tree, 'native', 'A13', 'gumbel-softmax'));
    expect(v(gradients, 'native')).not.toBe(v(tree, 'native'));
    // a backend's own modules count for its records only
    const webgpu = edit(ENGINE_MODULES.webgpu, (t) => `${t}\nexport const extra = 1;\n`);
    expect(v(webgpu, 'native')).toBe(v(tree, 'native'));
    expect(v(webgpu, 'webgpu')).not.toBe(v(tree, 'webgpu'));
    expect(moduleClosure('src/claims/a9-sgd-sai.ts', tree, { engine: 'native' })).not.toContain(ENGINE_MODULES.webgpu);
    const entry = 'src/claims/z9-fake.ts';
    const bare: CodeSource = { ...tree, exists: (f) => f === entry || tree.exists(f), read: (f) => (f === entry ? Buffer.from('export const x = 1;\n') : tree.read(f)) };
    expect(moduleClosure(entry, bare, { engine: 'native' })).toEqual(expect.arrayContaining([core, 'src/engine/higher-order-gradients.ts', ENGINE_MODULES.native]));
    // backends without modules of their own differ by name
    expect(v(tree, 'cpu')).not.toBe(v(tree, 'tensorflow'));
    // a record is judged by the backend it names
    const r = rec([1, 2, 3]);
    const onWebgpu = { ...r, provenance: { ...r.provenance, ...codeVersion('A9', 'sgd-sai', tree, { scale: 'ci', engine: 'webgpu' }), backend: 'webgpu' } };
    expect(staleness(onWebgpu, 'sgd-sai')).toEqual([]);
    expect(staleness({ ...r, provenance: { ...r.provenance, backend: 'webgpu' } }, 'sgd-sai')).toContain('code');
    // and so are a queue's jobs
    expect(await claimCodeVersion('A9', 'webgpu')).not.toBe(await claimCodeVersion('A9', 'native'));
  });
});

describe('the lockfile part of a code version', () => {
  const lock = (extra: Record<string, unknown> = {}, tfjs = '4.22.0') => JSON.stringify({ lockfileVersion: 3, packages: {
    '': { dependencies: { a: '1' } },
    'node_modules/a': { version: tfjs, integrity: 'x', dependencies: { b: '^1' } },
    'node_modules/b': { version: '1.0.0', integrity: 'y' },
    'node_modules/a/node_modules/b': { version: '2.0.0', integrity: 'z' },
    ...extra,
  } });

  it('counts the packages a claim imports and their dependencies, resolved as node does, and nothing else', () => {
    expect(lockedDependencies(['a'], lock())).toBe('node_modules/a 4.22.0 x\nnode_modules/a/node_modules/b 2.0.0 z');
    expect(lockedDependencies(['a'], lock({ 'node_modules/bullmq': { version: '5.0.0', integrity: 'q' } }))).toBe(lockedDependencies(['a'], lock()));
    expect(lockedDependencies(['a'], lock({}, '4.23.0'))).not.toBe(lockedDependencies(['a'], lock()));
    expect(lockedDependencies(['gone'], lock())).toBe('missing:gone ');
    expect(packagesImported(moduleClosure('src/claims/a9-sgd-sai.ts', workingTree(), { engine: 'native' }))).toEqual(expect.arrayContaining(['@tensorflow/tfjs']));
    expect(packagesImported(moduleClosure('src/claims/a9-sgd-sai.ts', workingTree(), { engine: 'native' }))).not.toContain('node:fs');
    // a backend's packages count for its records only
    const webgpuPackages = packagesImported(moduleClosure('src/claims/a9-sgd-sai.ts', workingTree(), { engine: 'webgpu' }));
    expect(webgpuPackages).toEqual(expect.arrayContaining(['webgpu', '@tensorflow/tfjs-backend-webgpu']));
    expect(packagesImported(moduleClosure('src/claims/a9-sgd-sai.ts', workingTree(), { engine: 'native' }))).not.toContain('webgpu');
  });
});

describe('committed records', () => {
  it('every committed record is a structured ci or full verdict with provenance', () => {
    for (const r of readRecords()) {
      expect(['ci', 'full'], `${r.id}`).toContain(r.scale);
      expect(r.verdict.effects.length, `${r.id} ${r.scale}`).toBeGreaterThan(0);
      expect(r.provenance.code, `${r.id} ${r.scale}`).toMatch(/^[0-9a-f]{16}$/);
    }
  });

  it("README's claims table is what the committed records say (regenerate: npx noiselab report --readme README.md)", async () => {
    const readme = readFileSync(join(projectRoot(), 'README.md'), 'utf8');
    expect(readmeBlock(readme)).toBe(readmeTable(reportRows(await loadClaims(), readRecords())));
  });
});
