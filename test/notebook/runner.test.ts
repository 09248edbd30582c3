/**
 * `noiselab run` against real kernels: noiselab's own (tslab where a test needs a kernel that loses output), and
 * stand-in kernels that hang or crash on start.
 * Every run writes to a temp folder; inputs are checked unchanged.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listKernelSpecs } from '../../src/notebook/kernelspec.js';
import type { Notebook } from '../../src/notebook/nbformat.js';
import { runNotebook } from '../../src/notebook/run.js';
import { failedCellName } from '../../src/notebook/batch.js';
import { tempDir } from '../helpers.js';
import { writeNotebookFixture, type CellSpec } from './fixtures.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'noiselab.js');
const ready = listKernelSpecs().has('noiselab');

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [bin, 'run', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const read = (file: string): Notebook => JSON.parse(readFileSync(file, 'utf8'));
const src = (c: { source: string | string[] }) => [c.source].flat().join('');
/** Per cell: its printed text, and an error as `name: message` */
const textOf = (nb: Notebook) => nb.cells.map((c) => (c.outputs ?? []).map((o) => (o.output_type === 'error' ? `${o.ename}: ${o.evalue}\n` : [o.text ?? ''].flat().join(''))).join(''));

/** Runs cells (fixture) through the library; returns the output notebook and the result. */
async function run(cells: CellSpec[], opts: Parameters<typeof runNotebook>[2] = {}, kernel = 'noiselab') {
  const input = writeNotebookFixture(cells, 'fixture.ipynb', kernel);
  const before = readFileSync(input, 'utf8');
  const output = join(tempDir(), 'out.ipynb');
  const result = await runNotebook(input, output, { timeout: 60, ...opts });
  expect(readFileSync(input, 'utf8'), 'the input notebook was modified').toBe(before);
  return { result, nb: read(output), input, output };
}

const PARAMS: CellSpec[] = [
  { source: '# parameters', type: 'markdown' },
  { source: 'let n: number = 2;\nlet label: string = "x";\nlet list: number[] = [];', tags: ['parameters'] },
  'console.log(JSON.stringify({ n, label, list }));',
];

describe.runIf(ready || process.env.CI)('noiselab run on the noiselab kernel', () => {
  it('is installed (npm run setup registers it)', () => expect(ready).toBe(true));

  it("runs a notebook outside any checkout on the runner's kernel, even when the checkout that registered the kernelspec is gone", () => {
    const jp = tempDir();
    mkdirSync(join(jp, 'kernels', 'noiselab'), { recursive: true });
    const w = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'scripts', 'write-kernelspec.mjs'), 'noiselab', join(jp, 'kernels', 'noiselab', 'kernel.json'), '/gone/node_modules/noiselab/dist/kernel/main.js']);
    expect(w.status).toBe(0);
    const input = writeNotebookFixture(['console.log(6 * 7);']);
    const out = join(tempDir(), 'out.ipynb');
    const r = cli([input, '-o', out], { JUPYTER_PATH: jp });
    expect(r.status, r.stderr).toBe(0);
    expect(textOf(read(out))[0]).toBe('42\n');
  });

  it('injects typed parameters after the parameters cell, and re-injection replaces them', async () => {
    const input = writeNotebookFixture(PARAMS);
    const out1 = join(tempDir(), 'once.ipynb');
    const r1 = cli([input, '-o', out1, '-p', 'n', '21', '-p', 'label', 'hey', '-p', 'list', '[1,2]', '-p', 'extra', 'true']);
    expect(r1.status, r1.stderr).toBe(0);
    expect(r1.stderr).toMatch(/does not declare extra/);
    const nb1 = read(out1);
    expect(nb1.cells[2].metadata.tags).toEqual(['injected-parameters']);
    expect(src(nb1.cells[2])).toBe('// Parameters (injected by noiselab run)\n{\n  n = 21;\n  label = "hey";\n  list = [1, 2];\n}\nlet extra = true;');
    expect(textOf(nb1)[3]).toBe('{"n":21,"label":"hey","list":[1,2]}\n');
    expect(nb1.metadata.noiselab).toMatchObject({ parameters: { n: 21, label: 'hey', list: [1, 2], extra: true }, status: 'completed', kernel: 'noiselab' });

    // the executed notebook as input: one injected cell, the new values, from a YAML file and -p
    const yaml = join(tempDir(), 'p.yaml');
    writeFileSync(yaml, 'n: 5\nlabel: from-yaml\n');
    const out2 = join(tempDir(), 'twice.ipynb');
    const r2 = cli([out1, '-o', out2, '-f', yaml, '-p', 'label', '"override"']);
    expect(r2.status, r2.stderr).toBe(0);
    const nb2 = read(out2);
    expect(nb2.cells.filter((c) => c.metadata.tags?.includes('injected-parameters'))).toHaveLength(1);
    expect(textOf(nb2)[3]).toBe('{"n":5,"label":"override","list":[]}\n');
  }, 60_000);

  it('a value of the wrong type is refused before any cell runs, naming the parameter and its declared type', async () => {
    const input = writeNotebookFixture(PARAMS);
    const output = join(tempDir(), 'out.ipynb');
    await expect(runNotebook(input, output, { timeout: 60, parameters: { n: 'text' } }))
      .rejects.toThrow(/fixture\.ipynb: parameter n: "text" is a string, but the parameters cell declares n: number/);
    await expect(runNotebook(input, output, { timeout: 60, parameters: { list: [1, 'a'] } })).rejects.toThrow(/declares list: number\[\]/);
    expect(existsSync(output)).toBe(false);
    const r = cli([input, '-o', output, '-p', 'label', '3']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/parameter label: 3 is a number, but the parameters cell declares label: string/);
  });

  it('a failing injected cell is named as the user knows it, not by its place among the inserted cells', async () => {
    // the parameters cell makes n read-only after declaring it, so assigning the given value throws
    const { result, nb } = await run([
      { source: 'let n: number = 2;\nObject.defineProperty(globalThis, "n", { get: () => 2, set() { throw new Error("n is read-only"); } });', tags: ['parameters'] },
      'n',
    ], { parameters: { n: 5 } });
    expect(result.status).toBe('failed');
    expect(nb.cells[result.failedCell!.index - 1].metadata.tags).toEqual(['injected-parameters']);
    expect(result.failedCell!.inputCell).toBeNull();
    expect(failedCellName(result.failedCell!)).toMatch(/^the injected-parameters cell \(In \[\d+\]\) \(the values given with -p, -r or -f\)$/);
  });

  it('a failing cell stops the run: banner on top, marker before it, error kept, later cells not run, exit 1', async () => {
    const input = writeNotebookFixture(['console.log("before")', 'throw new Error("boom")', 'console.log("after")']);
    const before = readFileSync(input, 'utf8');
    const out = join(tempDir(), 'o.ipynb');
    const r = cli([input, '-o', out]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/fixture\.ipynb\s+failed\s+2 .*cell 2 \(In \[2\]\): Error: boom/);
    const nb = read(out);
    expect(nb.cells[0].metadata.tags).toEqual(['noiselab-error-banner']);
    expect(src(nb.cells[0])).toMatch(/In \[2\]/);
    expect(nb.cells[2].metadata.tags).toEqual(['noiselab-error-cell']);
    expect(textOf(nb)[3]).toMatch(/Error: boom/);
    expect(nb.cells[4].execution_count).toBeNull();
    expect(nb.cells[4].metadata.noiselab).toEqual({ status: 'pending' });
    expect(nb.metadata.noiselab).toMatchObject({ status: 'failed', exception: true, failed_cell: 4 });
    expect(readFileSync(input, 'utf8')).toBe(before);
    // a rerun of the output removes the old banner
    const again = join(tempDir(), 'again.ipynb');
    cli([out, '-o', again]);
    expect(read(again).cells.filter((c) => c.metadata.tags?.includes('noiselab-error-banner'))).toHaveLength(1);
  }, 60_000);

  it('type-checks each cell before it runs, as the kernel does in Jupyter: a type error stops the run (TSError, the cell\'s line); --no-typecheck runs it unchecked', async () => {
    const cells = ['const n: number = "a";\nconsole.log(typeof n);'];
    const checked = await run(cells);
    expect(checked.result.status).toBe('failed');
    const text = textOf(checked.nb).join('');
    expect(text).toMatch(/TSError/);
    expect(text).toMatch(/line 1/);
    expect(text).not.toMatch(/^string$/m);
    const input = writeNotebookFixture(cells);
    const out = join(tempDir(), 't.ipynb');
    const r = cli([input, '-o', out, '--no-typecheck']);
    expect(r.status, r.stderr).toBe(0);
    expect(textOf(read(out)).join('')).toMatch(/^string$/m);
    expect(cli([input, '-o', out, '--typecheck', '--no-typecheck']).stderr).toMatch(/not both/);
  }, 60_000);

  it('raises-exception, skip-execution and --allow-errors behave as in nbclient', async () => {
    const cells: CellSpec[] = [
      { source: 'throw new Error("expected")', tags: ['raises-exception'] },
      'console.log("ran")',
      { source: 'throw new Error("never run")', tags: ['skip-execution'] },
      'throw new Error("unexpected")',
      'console.log("end")',
    ];
    const strict = await run(cells);
    expect(strict.result.status).toBe('failed');
    expect(textOf(strict.nb).join('|')).toMatch(/expected.*\|ran\n\|\|.*unexpected/s);
    expect(strict.result.allowedErrors).toBe(1);
    const lax = await run(cells, { allowErrors: true });
    expect(lax.result.status).toBe('completed');
    expect(lax.result.allowedErrors).toBe(2);
    expect(textOf(lax.nb)[4]).toBe('end\n');
    expect(lax.nb.cells[2].metadata.noiselab).toEqual({ status: 'skipped' });
    expect(textOf(lax.nb).join('')).not.toMatch(/never run/);
  }, 60_000);

  it('a hanging cell times out: the kernel is interrupted, or killed when it does not stop', async () => {
    // unchecked: the 2 s count from the cell's request, and a loaded machine's type check could use them up
    const awaiting = await run(['console.log("start")', 'await new Promise(() => {})', '1'], { timeout: 2, typecheck: false });
    expect(awaiting.result.status).toBe('failed');
    expect(awaiting.result.failedCell?.error).toMatch(/timed out after 2s; the kernel was interrupted/);
    // a blocking call whose child ignores SIGINT does not return: the kernel cannot answer
    const spinning = await run(['require("child_process").spawnSync("sh", ["-c", "trap \\"\\" INT; sleep 60"])'], { timeout: 2, interruptGrace: 1, typecheck: false });
    expect(spinning.result.failedCell?.error).toMatch(/timed out after 2s; the kernel did not answer the interrupt and was killed/);
    expect(spinning.nb.cells[2].outputs?.[0]).toMatchObject({ output_type: 'error', ename: 'CellTimeoutError' });
  }, 60_000);

  it('a kernel that exits or is killed (as by the OOM killer) is reported with the cell, never a hang', async () => {
    const exit = await run(['console.log("one")', 'process.exit(3)', '2'], { timeout: 600 });
    expect(exit.result.status).toBe('failed');
    expect(exit.result.failedCell).toMatchObject({ index: 4, inputCell: 2, error: expect.stringMatching(/kernel died \(exit code 3\)/) });
    expect(exit.nb.cells[3].outputs?.at(-1)).toMatchObject({ output_type: 'error', ename: 'DeadKernelError' });
    const oom = await run(['process.kill(process.pid, "SIGKILL")'], { timeout: 600 });
    expect(oom.result.failedCell?.error).toMatch(/killed by SIGKILL, e\.g\. out of memory/);
  }, 60_000);

  it('a burst of output that the kernel cannot send (idle status lost: tslab) does not hang the run', async () => {
    const { result, nb } = await run([
      'import * as tslab from "tslab"; const d = tslab.newDisplay(); for (let i = 0; i < 20000; i++) d.text("x" + i);',
      'console.log("next")',
    ], { allowErrors: true }, 'tslab');
    expect(result.status).toBe('completed');
    expect(nb.cells[0].metadata.noiselab).toMatchObject({ warning: expect.stringMatching(/lost output messages/) });
    expect(textOf(nb)[1]).toBe('next\n');
  }, 60_000);

  it('records execution metadata per cell and per notebook', async () => {
    const { nb, result } = await run(['let x = 1', 'x + 1']);
    for (const c of nb.cells) {
      const m = c.metadata as { noiselab: { start_time: string; end_time: string; duration: number; status: string }; execution: Record<string, string> };
      expect(m.noiselab.status).toBe('completed');
      expect(Date.parse(m.noiselab.end_time)).toBeGreaterThanOrEqual(Date.parse(m.noiselab.start_time));
      expect(m.noiselab.duration).toBeGreaterThanOrEqual(0);
      expect(Object.keys(m.execution)).toEqual(expect.arrayContaining(['iopub.status.busy', 'shell.execute_reply', 'iopub.status.idle']));
    }
    expect(nb.nbformat_minor).toBe(5);
    expect(nb.metadata.noiselab).toMatchObject({ kernel: 'noiselab', language: 'typescript', status: 'completed', parameters: {} });
    expect((nb.metadata.noiselab as { git_commit: string }).git_commit).toMatch(/^[0-9a-f]{12}/);
    expect(result.executed).toBe(2);
  });

  it('records the compute backend a noiselab notebook used', async () => {
    const { result, nb } = await run(['import { initEngine } from "noiselab";\nawait initEngine({ quiet: true, backend: "cpu" });'], { cwd: join(import.meta.dirname, '..', '..', 'notebooks') });
    expect(result.backend).toBe('cpu');
    expect(nb.metadata.noiselab).toMatchObject({ backend: 'cpu' });
  });

  it('gives the same outputs when a notebook is run twice', async () => {
    const cells = ['const xs = Array.from({ length: 5 }, (_, i) => i * i);', 'console.log(xs.join(","))',
      'import { displayBundle } from "noiselab"; void displayBundle({ "text/html": "<b>" + xs.length + "</b>", "text/plain": String(xs.length) })', 'xs.reduce((a, b) => a + b)'];
    const a = await run(cells);
    const b = await run(cells);
    const strip = (nb: Notebook) => nb.cells.map((c) => ({ id: c.id, source: c.source, outputs: c.outputs, n: c.execution_count }));
    expect(strip(a.nb)).toEqual(strip(b.nb));
    expect(textOf(a.nb)).toEqual(['', '0,1,4,9,16\n', '', '']);
    expect(a.nb.cells.map((c) => c.outputs?.map((o) => `${o.output_type}:${o.data?.['text/plain'] ?? ''}`))).toEqual([[], ['stream:'], ['display_data:5'], ['execute_result:30']]);
  });

  it('Ctrl-C interrupts the cell, stops the kernel and writes what ran (exit 130)', async () => {
    const input = writeNotebookFixture(['console.log(process.pid)', 'await new Promise(() => {})', '1']);
    const out = join(tempDir(), 'o.ipynb');
    const child = spawn(process.execPath, [bin, 'run', input, '-o', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => { log += d; });
    child.stderr.on('data', (d) => { log += d; });
    const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
    // wait until the first cell's output (the kernel's pid) has been saved
    let pid = 0;
    for (let i = 0; i < 300 && !pid; i++) {
      await new Promise((ok) => setTimeout(ok, 100));
      if (existsSync(out)) pid = Number(textOf(read(out))[0]) || 0;
    }
    expect(pid).toBeGreaterThan(0);
    child.kill('SIGINT');
    const code = await Promise.race([exited, new Promise((ok) => setTimeout(() => ok('still running'), 20_000))]);
    if (code === 'still running') child.kill('SIGKILL');
    expect(code, log).toBe(130);
    const nb = read(out);
    expect(nb.metadata.noiselab).toMatchObject({ status: 'interrupted' });
    expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);

  it('malformed notebooks and unknown kernels are clear errors naming the file; exit 1, nothing written', () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.ipynb');
    writeFileSync(bad, '{"cells": [');
    const r = cli([bad, '--output-dir', join(dir, 'out')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.ipynb: not a notebook, invalid JSON at line 1, column 12/);
    const unknown = writeNotebookFixture(['1'], 'k.ipynb', 'no-such-kernel');
    const u = cli([unknown, '--output-dir', join(dir, 'out')]);
    expect(u.status).toBe(1);
    expect(u.stderr).toMatch(/k\.ipynb: no kernel named 'no-such-kernel'; installed: .*tslab/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(cli([join(dir, 'missing.ipynb')]).stderr).toMatch(/no such notebook: .*missing\.ipynb/);
    expect(cli([bad, '-o', bad]).stderr).toMatch(/the output path is the input/);
    expect(readFileSync(bad, 'utf8')).toBe('{"cells": [');
  }, 60_000);
});

describe('kernels that misbehave on start', () => {
  /** A kernelspec folder for JUPYTER_PATH whose kernel runs `script` with node. */
  function fakeKernel(name: string, script: string): string {
    const dir = tempDir();
    mkdirSync(join(dir, 'kernels', name), { recursive: true });
    writeFileSync(join(dir, 'kernels', name, 'kernel.json'), JSON.stringify({ argv: [process.execPath, '-e', script, '{connection_file}'], language: 'typescript' }));
    return dir;
  }

  it('a kernel that never answers hits the start timeout', () => {
    const input = writeNotebookFixture(['1'], 'slow.ipynb', 'silent');
    const r = cli([input, '--start-timeout', '2', '--output-dir', tempDir()], { JUPYTER_PATH: fakeKernel('silent', 'setTimeout(() => {}, 1e6)') });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/slow\.ipynb: kernel 'silent' did not answer within 2s of starting/);
  });

  it('a kernel that crashes on start is reported with its stderr', () => {
    const input = writeNotebookFixture(['1'], 'crash.ipynb', 'crash');
    const r = cli([input, '--output-dir', tempDir()], { JUPYTER_PATH: fakeKernel('crash', 'console.error("no module named tslab"); process.exit(7)') });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/crash\.ipynb: kernel 'crash' exited while starting: kernel died \(exit code 7\); its last stderr:\nno module named tslab/);
  });
});
