/**
 * The noiselab kernel over the wire, as `npm run setup` registers it: nothing printed is lost, errors
 * carry the cell's own lines, interrupts (by message and by signal) stop the cell and keep the session,
 * and Debian's jupyter_kernel_test passes with every sample set.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Kernel } from '../../src/notebook/kernel.js';
import { findKernelSpec, listKernelSpecs } from '../../src/notebook/kernelspec.js';
import type { Notebook } from '../../src/notebook/nbformat.js';
import type { Message } from '../../src/notebook/protocol.cjs';
import { runNotebook } from '../../src/notebook/run.js';
import { projectRoot } from '../../src/util/paths.js';
import { tempDir } from '../helpers.js';
import { PY, writeNotebookFixture } from '../notebook/fixtures.js';
import { recordReliability } from '../reliability/record.js';

const ready = listKernelSpecs().has('noiselab');
const kernels: Kernel[] = [];
afterEach(async () => { await Promise.all(kernels.splice(0).map((k) => k.shutdown(1))); });

async function start(interrupt?: 'message' | 'signal', extraEnv: Record<string, string> = {}): Promise<Kernel> {
  const spec = findKernelSpec('noiselab');
  // this checkout's kernel, whatever checkout the kernelspec's fallback names (the cwd is outside any)
  const env = { NOISELAB_KERNEL_HOME: join(projectRoot(), 'dist', 'kernel', 'main.js'), ...extraEnv };
  const k = await Kernel.start(interrupt ? { ...spec, interrupt_mode: interrupt } : spec, { cwd: tempDir(), startTimeout: 30, env });
  kernels.push(k);
  return k;
}

/** Milliseconds of 20 trivial cells' round trips, sorted. */
async function roundTrips(k: Kernel): Promise<number[]> {
  const trips: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await exec(k, `${i} + 1`);
    trips.push(performance.now() - t);
  }
  return trips.sort((a, b) => a - b);
}

/** Resolves once the running cell has printed `text` (its loop has started), whatever the machine's load. */
function printed(seen: Message[], text: string, seconds = 30): Promise<void> {
  return new Promise((ok, fail) => {
    const end = Date.now() + seconds * 1000;
    const poll = () => {
      if (seen.some((m) => m.header.msg_type === 'stream' && String((m.content as { text?: string }).text).includes(text))) ok();
      else if (Date.now() > end) fail(new Error(`the cell did not print ${JSON.stringify(text)} within ${seconds} s`));
      else setTimeout(poll, 20);
    };
    poll();
  });
}

async function exec(k: Kernel, code: string, opts: { timeout?: number; onIopub?: (m: Message) => void } = {}) {
  const out: Message[] = [];
  const r = await k.execute(code, { ...opts, onIopub: (m) => { out.push(m); opts.onIopub?.(m); } });
  const of = (type: string) => out.filter((m) => m.header.msg_type === type).map((m) => m.content as Record<string, any>);
  return { reply: r.reply, iopubLost: r.iopubLost, of };
}

describe.runIf(ready || process.env.CI)('the noiselab kernel', () => {
  it('delivers 10,000 lines printed as fast as possible, from synchronous and from asynchronous code, in order', async () => {
    const input = writeNotebookFixture([
      'for (let i = 0; i < 10000; i++) console.log(`sync ${i}`);',
      'for (let i = 0; i < 10000; i++) { console.log(`async ${i}`); if (i % 100 === 0) await new Promise((r) => setImmediate(r)); }',
    ], 'lines.ipynb', 'noiselab');
    const output = join(tempDir(), 'out.ipynb');
    const r = await runNotebook(input, output, { timeout: 120 });
    expect(r.status, r.failedCell?.error).toBe('completed');
    const nb = JSON.parse(readFileSync(output, 'utf8')) as Notebook;
    const text = (i: number) => (nb.cells[i].outputs ?? []).map((o) => [o.text ?? ''].flat().join('')).join('');
    const expected = (word: string) => Array.from({ length: 10000 }, (_, i) => `${word} ${i}\n`).join('');
    expect(text(0) === expected('sync'), 'every synchronous line, in order').toBe(true);
    expect(text(1) === expected('async'), 'every asynchronous line, in order').toBe(true);
    recordReliability('lines printed by a cell that arrive (noiselab kernel)', 20000, (text(0) + text(1)).split('\n').length - 1, 'sync and async, 10,000 each');
  }, 120_000);

  it('reports an error with its name, message and a traceback in the cell\'s own lines; a value as execute_result', async () => {
    const k = await start();
    const bad = await exec(k, 'type P = { a: number };\nconst p: P = { a: 1 };\nfunction f(x: number): never {\n  throw new RangeError(`bad ${x}`);\n}\nf(p.a);');
    expect(bad.reply).toMatchObject({ status: 'error', ename: 'RangeError', evalue: 'bad 1' });
    expect(bad.reply.traceback!.join('\n')).toMatch(/at f \(cell 1, line 4\)[\s\S]*cell 1, line 6/);
    expect(bad.reply.traceback!.join('\n')).not.toMatch(/kernel\/(server|compile)|node:internal/);
    expect(bad.of('error')[0]).toMatchObject({ ename: 'RangeError', evalue: 'bad 1' });
    const syntax = await exec(k, 'const ok = 1;\nconst = 2;');
    expect(syntax.reply).toMatchObject({ status: 'error', ename: 'SyntaxError' });
    expect(syntax.reply.evalue).toMatch(/line 2, column 7/);
    const value = await exec(k, 'const n = 6;\n({ n, seven: 7, product: n * 7 })');
    expect(value.of('execute_result')[0].data['text/plain']).toBe('{ n: 6, seven: 7, product: 42 }');
  }, 60_000);

  it('reports type errors before a cell runs (nothing of it runs), in the cell\'s own lines; later cells see what ran, names may be declared again, imports from "noiselab" are checked', async () => {
    const t0 = performance.now();
    const k = await start();
    const ready = performance.now() - t0;
    const t1 = performance.now();
    const first = await exec(k, '6 * 7', { timeout: 120 });
    const firstMs = performance.now() - t1;
    expect(first.of('execute_result')[0].data['text/plain']).toBe('42');
    expect((await exec(k, 'let count = 0;\nconst label = "x";')).reply.status).toBe('ok');
    const bad = await exec(k, 'count++;\nconsole.log("ran");\nconst n: number = "a";');
    expect(bad.reply).toMatchObject({ status: 'error', ename: 'TSError', evalue: "Type 'string' is not assignable to type 'number'. (line 3, column 7, TS2322)" });
    expect(bad.reply.traceback!.join('\n')).toMatch(/at cell 3, line 3, column 7: error TS2322[\s\S]*const n: number = "a";\n {14}\^/);
    expect(bad.of('error')[0]).toMatchObject({ ename: 'TSError' });
    expect(bad.of('stream'), 'the cell printed: it ran').toEqual([]);
    const after = await exec(k, '({ count, label })');
    expect(after.of('execute_result')[0].data['text/plain']).toBe("{ count: 0, label: 'x' }");
    const missing = await exec(k, 'n');
    expect(missing.reply).toMatchObject({ ename: 'TSError', evalue: "Cannot find name 'n'. (line 1, column 1, TS2304)" });
    const again = await exec(k, 'const label = 42;\nlabel + count');
    expect(again.of('execute_result')[0].data['text/plain']).toBe('42');
    const library = await exec(k, 'import { Rng } from "noiselab";\nconst rng = new Rng(1);\nrng.noSuchMethod()', { timeout: 120 });
    expect(library.reply).toMatchObject({ ename: 'TSError' });
    expect(library.reply.evalue).toMatch(/Property 'noSuchMethod' does not exist on type 'Rng'\. \(line 3, column 5, TS2339\)/);
    const fine = await exec(k, 'import { Rng } from "noiselab";\nconst rng = new Rng(1);\ntypeof rng', { timeout: 120 });
    expect(fine.of('execute_result')[0].data['text/plain']).toBe("'object'");
    const trips = await roundTrips(k);
    console.log(`noiselab kernel, type checked: spawn to kernel_info ${ready.toFixed(0)} ms, first result (waits for the checker's warm-up) ${firstMs.toFixed(0)} ms, trivial cell round trip median ${trips[10].toFixed(1)} ms (min ${trips[0].toFixed(1)})`);
  }, 180_000);

  it('runs cells unchecked with NOISELAB_KERNEL_TYPECHECK=0 (figures printed beside the checked ones)', async () => {
    const t0 = performance.now();
    const k = await start(undefined, { NOISELAB_KERNEL_TYPECHECK: '0' });
    const ready = performance.now() - t0;
    const t1 = performance.now();
    await exec(k, '6 * 7');
    const firstMs = performance.now() - t1;
    const unchecked = await exec(k, 'const n: number = "a" as any as number;\nconst s: number = "b";\nconsole.log(typeof s)');
    expect(unchecked.reply.status).toBe('ok');
    expect(unchecked.of('stream')[0].text).toBe('string\n');
    const trips = await roundTrips(k);
    console.log(`noiselab kernel, unchecked: spawn to kernel_info ${ready.toFixed(0)} ms, first result ${firstMs.toFixed(0)} ms, trivial cell round trip median ${trips[10].toFixed(1)} ms (min ${trips[0].toFixed(1)})`);
  }, 60_000);

  for (const mode of ['message', 'signal'] as const) {
    it(`an interrupt by ${mode} stops a running loop and keeps the session's variables`, async () => {
      const k = await start(mode);
      await exec(k, 'let ticks = 0;');
      const started = Date.now();
      const seen: Message[] = [];
      const running = exec(k, 'console.log("looping"); while (true) { ticks++; await new Promise((r) => setTimeout(r, 2)); }', { onIopub: (m) => seen.push(m) });
      // interrupted once it runs (a fixed wait could end while the cell is still type-checked, on a loaded machine)
      await printed(seen, 'looping');
      await new Promise((r) => setTimeout(r, 200));
      await k.interrupt();
      const r = await running;
      expect(r.reply).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
      expect(Date.now() - started).toBeLessThan(20_000);
      const after = await exec(k, 'ticks > 0');
      expect(after.of('execute_result')[0].data['text/plain']).toBe('true');
    }, 60_000);
  }

  it('an interrupt stops train() itself, not only the cell: no steps are taken after it', async () => {
    const k = await start('message');
    const setup = await exec(k, [
      'import { train, mlp, sgd, moons, Rng } from "noiselab";',
      'let steps = 0;',
      'const model = mlp({ sizes: [2, 16, 2] }, new Rng(1));',
      'const data = moons(200, 0.1, new Rng(2));',
    ].join('\n'), { timeout: 60 });
    expect(setup.reply.status, JSON.stringify(setup.reply)).toBe('ok');
    const seen: Message[] = [];
    const running = exec(k, 'await train({ model, data, transform: sgd(0.1), batchSize: 20, steps: 10_000_000, logEvery: 1, onLog: (s) => { if (steps === 0) console.log("training"); steps = s; }, rng: new Rng(3), progress: "silent" });', { onIopub: (m) => seen.push(m) });
    await printed(seen, 'training');
    await new Promise((r) => setTimeout(r, 500));
    await k.interrupt();
    const r = await running;
    expect(r.reply).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
    const first = Number((await exec(k, 'steps')).of('execute_result')[0].data['text/plain']);
    await new Promise((r) => setTimeout(r, 700));
    const second = Number((await exec(k, 'steps')).of('execute_result')[0].data['text/plain']);
    expect(first).toBeGreaterThan(0);
    expect(second).toBe(first);
  }, 90_000);

  it("passes Debian's jupyter_kernel_test with every sample set (and input() through stdin, and comms): all tests, none skipped", () => {
    const r = spawnSync(PY, [join(import.meta.dirname, '..', 'kernel-test', 'run.py'), 'noiselab'], { encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    const all = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { test: string; outcome: string; detail: string });
    const tests = all.filter((o) => !o.test.includes(' ('));
    const bad = all.filter((o) => o.outcome !== 'pass');
    recordReliability('jupyter_kernel_test suite on the noiselab kernel', tests.length, tests.filter((o) => o.outcome === 'pass').length, 'every sample set given');
    expect(bad.map((o) => `${o.test}: ${o.outcome} ${o.detail}`)).toEqual([]);
    expect(tests.map((o) => o.test).sort()).toEqual(['test_clear_output', 'test_completion', 'test_display_data', 'test_error', 'test_execute_result',
      'test_execute_stderr', 'test_execute_stdout', 'test_history', 'test_inspect', 'test_is_complete', 'test_kernel_info', 'test_pager', 'test_stdin_input', 'test_comms', 'test_heartbeat_during_a_synchronous_cell'].sort());
  }, 300_000);
});
