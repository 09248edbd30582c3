/**
 * Faults while `noiselab run` executes a notebook: the kernel killed mid-cell, a cell that allocates
 * until its process dies, a cell that never returns, the disk filling up under the output. Each must
 * end with a clear message and a non-zero status, leave the input as it was and no half-written
 * output, and leave no process behind: every process the run started carries a marker in its
 * environment, and the process table is searched for it afterwards.
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listKernelSpecs } from '../../src/notebook/kernelspec.js';
import { tempDir } from '../helpers.js';
import { writeNotebookFixture } from '../notebook/fixtures.js';
import { recordReliability } from './record.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'noiselab.js');
const ready = listKernelSpecs().has('noiselab');
const outcomes: boolean[] = [];

/** Pids of live processes whose environment holds NOISELAB_FAULT_MARK=<mark>. */
function marked(mark: string): number[] {
  const needle = `NOISELAB_FAULT_MARK=${mark}`;
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(needle) ? [Number(pid)] : [];
    } catch {
      return []; // gone, or not ours to read
    }
  });
}

const cmdline = (pid: number) => { try { return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' '); } catch { return ''; } };

interface Outcome { status: number | null; stderr: string; input: string; before: string; output: string; mark: string }

/** `noiselab run` on cells in a child process; `during` gets the marker while it runs. */
async function runCli(cells: string[], args: string[] = [], opts: { env?: Record<string, string>; outputDir?: string; during?: (mark: string) => Promise<void> } = {}): Promise<Outcome> {
  const input = writeNotebookFixture(cells);
  const before = readFileSync(input, 'utf8');
  const outDir = opts.outputDir ?? tempDir();
  const output = join(outDir, 'fixture.ipynb');
  const mark = randomBytes(6).toString('hex');
  const child = spawn(process.execPath, [bin, 'run', input, '--output-dir', outDir, '--no-static-figures', ...args], {
    env: { ...process.env, ...opts.env, NOISELAB_FAULT_MARK: mark }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.resume();
  const done = new Promise<number | null>((ok) => child.on('close', (code) => ok(code)));
  await opts.during?.(mark);
  return { status: await done, stderr, input, before, output, mark };
}

/** What every fault must leave: a status, a message, the input, a readable output (or none), no process. */
async function expectCleanFailure(o: Outcome, message: RegExp) {
  expect(o.status, o.stderr).not.toBe(0);
  expect(o.status).not.toBeNull();
  expect(o.stderr).toMatch(message);
  expect(o.stderr, 'no stack trace reaches the user').not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);
  expect(readFileSync(o.input, 'utf8'), 'the input notebook is intact').toBe(o.before);
  if (existsSync(o.output)) expect(() => JSON.parse(readFileSync(o.output, 'utf8')), 'the output is a whole notebook').not.toThrow();
  const dir = join(o.output, '..');
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp')), 'no temporary files left').toEqual([]);
  // the kernel (and anything else the run started) is gone; give the OS a moment to reap it
  for (let i = 0; i < 50 && marked(o.mark).length; i++) await new Promise((r) => setTimeout(r, 100));
  expect(marked(o.mark).map(cmdline), 'processes left running').toEqual([]);
}

async function waitFor<T>(f: () => T | undefined, seconds: number): Promise<T> {
  for (let i = 0; i < seconds * 10; i++) {
    const v = f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing after ${seconds} s`);
}

function track<T>(p: () => Promise<T>): () => Promise<T> {
  return async () => {
    try {
      const v = await p();
      outcomes.push(true);
      return v;
    } catch (e) {
      outcomes.push(false);
      throw e;
    }
  };
}

describe.runIf(ready || process.env.CI)('faults during a notebook run', () => {
  afterAll(() => recordReliability('faults: kernel killed, memory exhausted, cell never returns, disk full', outcomes.length, outcomes.filter(Boolean).length));

  it('a kernel killed mid-cell (SIGKILL)', track(async () => {
    const o = await runCli(['console.log("one")', 'console.log("started"); await new Promise((r) => setTimeout(r, 120000));', 'console.log("never")'], [], {
      during: async (mark) => {
        const kernel = await waitFor(() => marked(mark).find((pid) => /dist.{0,8}kernel.{0,8}main\.js/.test(cmdline(pid))), 60);
        await new Promise((r) => setTimeout(r, 3000)); // inside the sleeping cell by then
        process.kill(kernel, 'SIGKILL');
      },
    });
    await expectCleanFailure(o, /kernel died/);
    const nb = JSON.parse(readFileSync(o.output, 'utf8'));
    expect(nb.metadata.noiselab.status).toBe('failed');
  }), 180_000);

  it('a cell that allocates until its process dies', track(async () => {
    // a 256 MB heap for the kernel, so it dies in seconds instead of after eating the machine
    const o = await runCli(['const hog: number[][] = []; while (true) hog.push(new Array(1 << 20).fill(1.5));'], [], { env: { NODE_OPTIONS: '--max-old-space-size=256' } });
    await expectCleanFailure(o, /kernel died/);
  }), 180_000);

  it('a cell that never returns (a busy loop the interrupt cannot stop)', track(async () => {
    const o = await runCli(['while (true) {}'], ['--timeout', '3']);
    await expectCleanFailure(o, /timed out|killed/i);
  }), 180_000);

  let mounted: string | null = null;
  afterAll(() => { if (mounted) spawnSync('umount', [mounted]); });
  const tmpfs = (() => {
    const dir = tempDir('noiselab-full-');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48k', 'tmpfs', dir], { stdio: 'ignore' });
      return (mounted = dir);
    } catch {
      return null; // not root, or no mount in this sandbox
    }
  })();

  it.skipIf(!tmpfs)('the disk filling up under the output (a 48 kB tmpfs)', track(async () => {
    const out = join(tmpfs!, 'out');
    mkdirSync(out);
    const o = await runCli(['console.log("small")', 'console.log("x".repeat(200000))', 'console.log("after")'], [], { outputDir: out });
    await expectCleanFailure(o, /cannot write .*fixture\.ipynb: .*(ENOSPC|no space left)/i);
  }), 180_000);
});
