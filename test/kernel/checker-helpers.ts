/** What the tests of the kernel's type checker share: a kernel started with an environment, cells run, its stderr, processes. */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Kernel } from '../../src/notebook/kernel.js';
import { findKernelSpec } from '../../src/notebook/kernelspec.js';
import type { Message } from '../../src/notebook/protocol.cjs';
import { projectRoot } from '../../src/util/paths.js';
import { tempDir } from '../helpers.js';

export const kernelDir = join(projectRoot(), 'dist', 'kernel');

/** The kernel's stderr so far (the Kernel keeps its tail). */
export const stderrOf = (k: Kernel) => (k as unknown as { stderr: string }).stderr;
export const procOf = (k: Kernel) => (k as unknown as { proc: ChildProcess }).proc;

/** A noiselab kernel of this checkout in `cwd` (a new folder by default), with `env`; kept in `kernels` for shutdown. */
export async function startKernel(kernels: Kernel[], env: Record<string, string>, cwd = tempDir()): Promise<Kernel> {
  const k = await Kernel.start(findKernelSpec('noiselab'), { cwd, startTimeout: 30, env: { NOISELAB_KERNEL_HOME: join(kernelDir, 'main.js'), ...env } });
  kernels.push(k);
  return k;
}

export async function exec(k: Kernel, code: string) {
  const out: Message[] = [];
  const r = await k.execute(code, { timeout: 120, onIopub: (m) => out.push(m) });
  return { reply: r.reply, streams: out.filter((m) => m.header.msg_type === 'stream').map((m) => (m.content as { text: string }).text).join('') };
}

/** A session whose third cell has a type error (against the first cell's `let`): it must not run. */
export async function typeErrorsStopCells(k: Kernel): Promise<void> {
  expect((await exec(k, 'let count = 0;')).reply.status).toBe('ok');
  const bad = await exec(k, 'console.log("ran");\nconst s: string = count;');
  expect(bad.reply).toMatchObject({ status: 'error', ename: 'TSError', evalue: "Type 'number' is not assignable to type 'string'. (line 2, column 7, TS2322)" });
  expect(bad.streams, 'nothing of the cell ran').toBe('');
  const lib = await exec(k, 'import { Rng } from "noiselab";\nnew Rng(1).noSuchMethod()');
  expect(lib.reply.evalue).toMatch(/Property 'noSuchMethod' does not exist on type 'Rng'/);
  // the standard library and Node's types are in view (a checker without them would say "Cannot find name")
  const fine = await exec(k, 'const e = new RangeError(`${count + 1}`);\n[e.message.length, new Map<string, number>().size, process.version.length > 0]');
  expect(fine.reply, JSON.stringify(fine.reply)).toMatchObject({ status: 'ok' });
}

/** pids of processes whose command line contains `needle` */
export function processesWith(needle: string): number[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => l.includes(needle) && !l.includes('ps -eo')).map((l) => Number(l.trim().split(/\s+/)[0]));
}

export async function until(f: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (f()) return true;
  return f();
}
