/** The noiselab command line, run as a user runs it (bin/noiselab.js on the built library). */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const bin = join(import.meta.dirname, '..', 'bin', 'noiselab.js');

function noiselab(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('noiselab CLI', () => {
  it('lists every registered claim with its verdicts of record, as text and JSON', () => {
    const records = tempDir();
    const empty = noiselab(['claims'], { NOISELAB_RECORDS: records });
    expect(empty.code).toBe(0);
    for (const id of ['A1', 'B1', 'B4']) expect(empty.out).toMatch(new RegExp(`^${id}\\s+ci: not run\\s+full: not run`, 'm'));
    // the committed A9 record, copied
    copyFileSync(join(import.meta.dirname, '..', 'data', 'records', 'A9.ci.json'), join(records, 'A9.ci.json'));
    const json = JSON.parse(noiselab(['claims', '--json'], { NOISELAB_RECORDS: records }).out);
    expect(json.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining(['A1', 'B1', 'B4', 'A9']));
    expect(json.find((c: { id: string }) => c.id === 'A1')).toMatchObject({ paper: expect.any(String), claim: expect.any(String), verdicts: { ci: null, full: null } });
    const a9 = json.find((c: { id: string }) => c.id === 'A9').verdicts.ci;
    expect(a9).toMatchObject({ status: expect.any(String), seeds: expect.any(Array), code: expect.stringMatching(/^[0-9a-f]{16}$/), stale: expect.any(Boolean) });
    expect(a9.effects[0]).toMatchObject({ label: expect.any(String), estimate: expect.any(Number), lo: expect.any(Number), hi: expect.any(Number) });
    expect(noiselab(['claims'], { NOISELAB_RECORDS: records }).out).toMatch(new RegExp(`^A9\\s+ci: ${a9.status}`, 'm'));
  });

  it('reproduces one claim, writes results, report and table, and lists the verdict', () => {
    const out = tempDir();
    // in-process (the notebook path is the browser test's), for time
    const r = noiselab(['reproduce', '--claim', 'b4', '--scale', 'smoke', '--out', out, '--in-process', '--no-static-figures', '--json']);
    expect(r.code, r.err).toBe(0);
    const [outcome] = JSON.parse(r.out);
    expect(outcome).toMatchObject({ id: 'B4', ok: true, verdict: { status: expect.stringMatching(/^(reproduced|partly reproduced|not reproduced|inconclusive)$/) } });
    const record = JSON.parse(readFileSync(join(out, 'B4.smoke.json'), 'utf8'));
    expect(record).toMatchObject({ id: 'B4', scale: 'smoke', backend: expect.any(String), params: { seeds: [1, 2] } });
    expect(record.rows).toHaveLength(4);
    // a smoke run is never a verdict of record: the report states the records, not this run
    expect(outcome.recorded).toBeUndefined();
    const report = readFileSync(join(out, 'REPORT.md'), 'utf8');
    expect(report).toMatch(/^\| B4 \| .* \|$/m);
    expect(readFileSync(join(out, 'results.csv'), 'utf8').split('\n')[0]).toBe('id,scale,status,stale,effect,estimate,lo,hi,seeds,runtimeSec,backend,commit,date,claim');

    // the run is in the history; the same parameters and code reuse it, and the report site builds from it
    const again = JSON.parse(noiselab(['reproduce', '--claim', 'B4', '--scale', 'smoke', '--out', out, '--in-process', '--no-static-figures', '--json']).out);
    expect(again[0]).toMatchObject({ id: 'B4', ok: true, reused: true, verdict: outcome.verdict });
    const history = JSON.parse(noiselab(['results', 'b4', '--results', out, '--json', '--rows']).out);
    expect(history.runs).toHaveLength(1);
    expect(history.runs[0]).toMatchObject({ scale: 'smoke', seeds: '1,2', status: outcome.verdict.status, numbers: outcome.verdict.numbers });
    expect(history.rows).toHaveLength(4);
    expect(noiselab(['results', 'B4', '--results', out]).out).toMatch(/^B4: 1 run\(s\)/);
    // no runs of its own in a results folder: the committed records are named, not only how to make a run
    expect(noiselab(['results', 'A1', '--results', join(out, 'none')]).out).toMatch(/^A1: no stored runs in .*none \(noiselab reproduce --claim A1 makes one\); its committed records: ci (inconclusive|reproduced|partly reproduced|not reproduced) \(20\d\d-\d\d-\d\d\), full /);
    const site = JSON.parse(noiselab(['report', '--results', out, '--no-static-figures', '--json']).out);
    expect(site).toMatchObject({ index: join(out, 'site', 'index.html') });
    expect(readFileSync(join(out, 'site', 'claims', 'B4.html'), 'utf8')).toContain('class="plotly-figure"');
  }, 300_000);

  it.each([
    [['reproduce', '--scale', 'huge'], /--scale: expected one of smoke, ci, full, got 'huge'/],
    [['reproduce', '--seeds', '1,x'], /--seeds: expected comma-separated non-negative integers, got '1,x'/],
    [['reproduce', '--claim', 'Z9', '--scale', 'smoke'], /--claim: unknown claim Z9; registered: A1(, [A-Z]\d+)+$/m],
    [['reproduce', '--bogus'], /reproduce: Unknown option '--bogus'/],
    [['reproduce', '--workers', '0'], /--workers: expected an integer from 1 to 64, got '0'/],
    [['reproduce', '--timeout', 'soon'], /--timeout: expected seconds \(a number >= 0\), got 'soon'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['results'], /results: name one claim/],
    [['results', 'Z9'], /results: unknown claim 'Z9'; registered: A1/],
    [['results', 'A1', '--compare', 'x'], /--compare: expected two run ids/],
    [['report', '--bogus'], /report: Unknown option '--bogus'/],
    [['reproduce', '--seeds', '3', '--claim', 'A9'], /--seeds: a verdict compares seeds and needs at least two, got '3'/],
    [['reproduce', '--seeds', '1,,2'], /--seeds: expected comma-separated non-negative integers, got '1,,2'/],
    [['reproduce', '--seeds', ''], /--seeds: expected comma-separated non-negative integers, got ''/],
    [['reproduce', '--seeds', '1,2,1'], /--seeds: seed 1 is listed twice/],
    [['reproduce', '--out', '/etc/passwd', '--claim', 'A9'], /--out \/etc\/passwd: \/etc\/passwd is a file, not a folder/],
    [['report', '--results', '/nonexistent-noiselab-results'], /--results \/nonexistent-noiselab-results: no such folder/],
    [['run', 'notebooks/a9-sgd-sai.ipynb', '-p', 'seeds', '{bad json'], /-p seeds: '\{bad json' is not valid JSON .*-r seeds VALUE/],
    [['run', 'notebooks/a9-sgd-sai.ipynb', '-p', 'lr=0.1', '-o', 'out.ipynb'], /-p lr=0\.1: NAME and VALUE are two arguments: -p lr 0\.1/],
  ])('rejects %j with a usage error naming the argument (exit 2)', (args, msg) => {
    const r = noiselab(args as string[]);
    expect(r.err).toMatch(msg);
    expect(r.code).toBe(2);
  });

  it('refuses unwritable results folders within seconds, naming the variable (once spun on /proc)', () => {
    for (const dir of ['/proc/noiselab-x', '/sys/noiselab-x']) {
      const t0 = Date.now();
      const r = noiselab(['report', '--no-static-figures'], { NOISELAB_RESULTS: dir });
      expect(r.err).toMatch(new RegExp(`NOISELAB_RESULTS ${dir}: cannot create ${dir}`));
      expect(r.code).toBe(2);
      expect(Date.now() - t0).toBeLessThan(30_000);
    }
    expect(existsSync('/nonexistent-noiselab-results')).toBe(false);
  });

  it('ends quietly when its output pipe closes, and prints its version', () => {
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${bin}" claims | head -1`], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/^A1 /);
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(noiselab(['--version']).out).toMatch(/^noiselab \d+\.\d+\.\d+\n$/);
  });

  it('names an unreadable record instead of crashing, and leaves it as it was', () => {
    const out = tempDir();
    writeFileSync(join(out, 'A1.ci.json'), '{not json');
    const r = noiselab(['claims'], { NOISELAB_RECORDS: out });
    expect(r.code).toBe(1);
    expect(r.err).toContain(join(out, 'A1.ci.json'));
    expect(readFileSync(join(out, 'A1.ci.json'), 'utf8')).toBe('{not json');
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
    expect(['tensorflow-gpu', 'tensorflow', 'webgpu', 'native', 'wasm', 'cpu']).toContain(info.choice);
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
  }, 240_000); // 17 CLI processes one after another: ~25 s alone, over a minute on a loaded 2-core box
});
