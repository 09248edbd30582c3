/** The noiselab command line, run as a user runs it (bin/noiselab.js on the built library). */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const bin = join(import.meta.dirname, '..', 'bin', 'noiselab.js');

function noiselab(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('noiselab CLI', () => {
  it('lists every registered claim, as text and JSON', () => {
    const results = tempDir();
    const text = noiselab(['claims'], { NOISELAB_RESULTS: results });
    expect(text.code).toBe(0);
    for (const id of ['A1', 'B1', 'B4']) expect(text.out).toMatch(new RegExp(`^${id}\\s+not run`, 'm'));
    const json = JSON.parse(noiselab(['claims', '--json'], { NOISELAB_RESULTS: results }).out);
    expect(json.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining(['A1', 'B1', 'B4']));
    expect(json[0]).toMatchObject({ status: 'not run', paper: expect.any(String), claim: expect.any(String) });
  });

  it('reproduces one claim, writes results, report and table, and lists the verdict', () => {
    const out = tempDir();
    // in-process (the notebook path is the browser test's), for time
    const r = noiselab(['reproduce', '--claim', 'b4', '--scale', 'smoke', '--out', out, '--in-process', '--no-static-figures', '--json']);
    expect(r.code, r.err).toBe(0);
    const [outcome] = JSON.parse(r.out);
    expect(outcome).toMatchObject({ id: 'B4', ok: true, verdict: { status: expect.stringMatching(/reproduced/) } });
    const record = JSON.parse(readFileSync(join(out, 'B4.json'), 'utf8'));
    expect(record).toMatchObject({ id: 'B4', scale: 'smoke', backend: expect.any(String), params: { seeds: [1, 2] } });
    expect(record.rows).toHaveLength(4);
    const report = readFileSync(join(out, 'REPORT.md'), 'utf8');
    expect(report).toMatch(/\| B4 \|.*\| \*\*(not )?reproduced\*\* \|/);
    expect(report).toMatch(/\| A1 \|.*\| \*\*not run\*\* \|/);
    expect(readFileSync(join(out, 'results.csv'), 'utf8').split('\n')[0]).toBe('id,claim,status,summary,scale,seeds,runtimeSec,backend,commit,date');
    const listed = JSON.parse(noiselab(['claims', '--json'], { NOISELAB_RESULTS: out }).out);
    const b4 = listed.find((c: { id: string }) => c.id === 'B4');
    expect(b4.status).toBe(outcome.verdict.status);
    expect(Object.keys(b4.numbers)).toContain('eceDiff');

    // the run is in the history; the same parameters and code reuse it, and the report site builds from it
    const again = JSON.parse(noiselab(['reproduce', '--claim', 'B4', '--scale', 'smoke', '--out', out, '--in-process', '--no-static-figures', '--json']).out);
    expect(again[0]).toMatchObject({ id: 'B4', ok: true, reused: true, verdict: outcome.verdict });
    const history = JSON.parse(noiselab(['results', 'b4', '--results', out, '--json', '--rows']).out);
    expect(history.runs).toHaveLength(1);
    expect(history.runs[0]).toMatchObject({ scale: 'smoke', seeds: '1,2', status: outcome.verdict.status, numbers: outcome.verdict.numbers });
    expect(history.rows).toHaveLength(4);
    expect(noiselab(['results', 'B4', '--results', out]).out).toMatch(/^B4: 1 run\(s\)/);
    const site = JSON.parse(noiselab(['report', '--results', out, '--no-static-figures', '--json']).out);
    expect(site).toMatchObject({ pages: 1, index: join(out, 'site', 'index.html') });
    expect(readFileSync(join(out, 'site', 'claims', 'B4.html'), 'utf8')).toContain('class="plotly-figure"');
  }, 300_000);

  it.each([
    [['reproduce', '--scale', 'huge'], /--scale: expected one of smoke, ci, full, got 'huge'/],
    [['reproduce', '--seeds', '1,x'], /--seeds: expected comma-separated non-negative integers, got '1,x'/],
    [['reproduce', '--claim', 'Z9', '--scale', 'smoke'], /--claim: unknown claim Z9; registered: A1(, [A-E]\d+)+$/m],
    [['reproduce', '--bogus'], /reproduce: Unknown option '--bogus'/],
    [['reproduce', '--workers', '0'], /--workers: expected an integer from 1 to 64, got '0'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['results'], /results: name one claim/],
    [['results', 'Z9'], /results: unknown claim 'Z9'; registered: A1/],
    [['results', 'A1', '--compare', 'x'], /--compare: expected two run ids/],
    [['report', '--bogus'], /report: Unknown option '--bogus'/],
  ])('rejects %j with a message naming the argument', (args, msg) => {
    const r = noiselab(args as string[]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(msg);
  });

  it('names an unreadable results file instead of crashing', () => {
    const out = tempDir();
    writeFileSync(join(out, 'A1.json'), '{not json');
    const r = noiselab(['claims'], { NOISELAB_RESULTS: out });
    expect(r.code).toBe(1);
    expect(r.err).toContain(join(out, 'A1.json'));
    expect(readFileSync(join(out, 'A1.json'), 'utf8')).toBe('{not json');
  });

  it('has --help for every command and reports the backend', () => {
    for (const cmd of ['claims', 'reproduce', 'report', 'results', 'run', 'info']) {
      const r = noiselab([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`usage: noiselab ${cmd}`));
    }
    expect(noiselab(['--help']).out).toMatch(/commands:/);
    // run's usage errors name the argument and exit 2
    expect(noiselab(['run'])).toMatchObject({ code: 2, err: expect.stringMatching(/run: no notebook given/) });
    expect(noiselab(['run', '--all', 'x.ipynb'])).toMatchObject({ code: 2, err: expect.stringMatching(/notebooks or --all, not both/) });
    const nb = join(import.meta.dirname, '..', 'notebooks', 'c1-hessian-estimators.ipynb');
    expect(noiselab(['run', nb, '--timeout', 'soon'])).toMatchObject({ code: 2, err: expect.stringMatching(/--timeout: expected seconds/) });
    expect(noiselab(['run', nb, nb])).toMatchObject({ code: 2, err: expect.stringMatching(/two notebooks would be written to .*c1-hessian-estimators\.ipynb/) });
    expect(noiselab(['run', 'missing.ipynb'])).toMatchObject({ code: 2, err: expect.stringMatching(/no such notebook: missing\.ipynb/) });
    const info = JSON.parse(noiselab(['info', '--json']).out);
    expect(['tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu']).toContain(info.choice);
    const forced = noiselab(['info'], { NOISELAB_BACKEND: 'cpu' });
    expect(forced.out).toMatch(/backend: cpu/);
    // a machine where the OpenBLAS addon could not be built still runs, on wasm
    const noAddon = JSON.parse(noiselab(['info', '--json'], { NOISELAB_NATIVE_ADDON: '/nonexistent/noiselab_native.node' }).out);
    expect(noAddon.choice).toBe('wasm');
    expect(noAddon.skipped.find((s: { choice: string }) => s.choice === 'native').reason).toMatch(/not built/);
    const bad = noiselab(['info'], { NOISELAB_BACKEND: 'tpu' });
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/NOISELAB_BACKEND: unknown backend 'tpu'/);
    expect(existsSync(bin)).toBe(true);
  });
});
