/**
 * The resident type checker (src/kernel/resident-checker.ts): started by the first kernel that finds none,
 * it serves the kernels after it from a session warmed before they asked; sessions stay apart; type errors
 * stop a cell; a resident that goes leaves the session to a worker thread with its cells; it leaves when
 * idle, replaces a dead one's socket, and is not used from a folder others can enter.
 */
import { chmodSync, existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Kernel } from '../../src/notebook/kernel.js';
import { lineReader } from '../../src/kernel/checker-service.js';
import { residentPlace } from '../../src/kernel/resident.js';
import { listKernelSpecs } from '../../src/notebook/kernelspec.js';
import { tempDir } from '../helpers.js';
import { exec, kernelDir, processesWith, startKernel, stderrOf, typeErrorsStopCells, until } from './checker-helpers.js';

const ready = listKernelSpecs().has('noiselab');
const kernels: Kernel[] = [];
const residents: string[] = [];
afterEach(async () => {
  await Promise.all(kernels.splice(0).map((k) => k.shutdown(1)));
  for (const dir of residents.splice(0)) for (const pid of processesWith(`${dir}/`)) try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
});

/** A folder for a resident of this test's own (its path names the resident's process). */
function residentFolder(): string {
  const dir = tempDir('noiselab-resident-');
  residents.push(dir);
  return dir;
}

const logOf = (dir: string) => {
  const log = readdirSync(dir).find((f) => f.endsWith('.log'));
  return log ? readFileSync(join(dir, log), 'utf8') : '';
};
const socketOf = (dir: string) => readdirSync(dir).find((f) => f.endsWith('.sock'));

describe('the resident\'s framing, one JSON a line', () => {
  it('gives each complete line once, in order, across any cut of the stream; skips empty lines; stops when told', () => {
    const text = '{"a":1}\n\n{"b":"x\\ny"}\n{"c":3}\n{"d":4}\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const got: string[] = [];
      const feed = lineReader((l) => { got.push(l); return l !== '{"c":3}'; });
      feed(text.slice(0, cut));
      feed(text.slice(cut));
      expect(got).toEqual(['{"a":1}', '{"b":"x\\ny"}', '{"c":3}']);
    }
  });
});

describe('where the resident listens', () => {
  it('is named by the kernel build\'s key in the folder given; refused, saying why, for a folder open to others or a bad idle time', () => {
    const dir = tempDir('noiselab-resident-');
    const place = residentPlace(kernelDir, { NOISELAB_KERNEL_RESIDENT_DIR: dir });
    expect(place).toMatchObject({ socket: expect.stringMatching(new RegExp(`^${dir}/checker-[0-9a-f]{20}\\.sock$`)) });
    expect(residentPlace(kernelDir, { NOISELAB_KERNEL_RESIDENT_DIR: dir, NOISELAB_KERNEL_RESIDENT: 'off' })).toEqual({ problem: 'NOISELAB_KERNEL_RESIDENT turns it off' });
    expect(residentPlace(kernelDir, { NOISELAB_KERNEL_RESIDENT_DIR: dir, NOISELAB_KERNEL_RESIDENT_IDLE_S: 'soon' }))
      .toEqual({ problem: 'NOISELAB_KERNEL_RESIDENT_IDLE_S=soon is not a number of seconds above 0' });
    chmodSync(dir, 0o755);
    expect(residentPlace(kernelDir, { NOISELAB_KERNEL_RESIDENT_DIR: dir })).toMatchObject({ problem: expect.stringMatching(/closed to others/) });
  });
});

describe.runIf(ready || process.env.CI)('the resident type checker', () => {
  it('serves the next kernel of a folder from a session warmed before it asked; type errors stop its cells', async () => {
    const dir = residentFolder();
    const notebooks = tempDir();
    const first = await startKernel(kernels, { NOISELAB_KERNEL_RESIDENT_DIR: dir }, notebooks);
    expect((await exec(first, '6 * 7')).reply.status).toBe('ok');
    expect(stderrOf(first)).toMatch(/type checker ready \(resident process, \d+ ms, a new session\)/);
    expect(await until(() => logOf(dir).includes(`spare for ${notebooks} ready`), 60_000), logOf(dir)).toBe(true);
    const next = await startKernel(kernels, { NOISELAB_KERNEL_RESIDENT_DIR: dir }, notebooks);
    await typeErrorsStopCells(next);
    expect(stderrOf(next)).toMatch(/type checker ready \(resident process, \d+ ms, a session warmed before the kernel asked\)/);
    expect(processesWith(`${dir}/`), 'one resident for both').toHaveLength(1);
  }, 240_000);

  it('keeps sessions apart: a name one kernel declared is not in view of another\'s cells', async () => {
    const dir = residentFolder();
    const notebooks = tempDir();
    const a = await startKernel(kernels, { NOISELAB_KERNEL_RESIDENT_DIR: dir }, notebooks);
    const b = await startKernel(kernels, { NOISELAB_KERNEL_RESIDENT_DIR: dir }, notebooks);
    expect((await exec(a, 'let onlyInA = 1;')).reply.status).toBe('ok');
    expect((await exec(b, 'onlyInA + 1')).reply).toMatchObject({ status: 'error', ename: 'TSError', evalue: expect.stringMatching(/Cannot find name 'onlyInA'/) });
    expect((await exec(a, 'onlyInA + 1')).reply.status).toBe('ok');
    expect(stderrOf(b)).toMatch(/resident process/);
  }, 240_000);

  it('a resident that dies mid-session: the worker thread takes over with the session\'s cells, and type errors still stop a cell', async () => {
    const dir = residentFolder();
    const k = await startKernel(kernels, { NOISELAB_KERNEL_RESIDENT_DIR: dir });
    expect((await exec(k, 'let count = 0;')).reply.status).toBe('ok');
    const [pid] = processesWith(`${dir}/`);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    // `count` comes from the first cell: a worker without the session's cells would say "Cannot find name 'count'"
    const bad = await exec(k, 'console.log("ran");\nconst s: string = count;');
    expect(bad.reply).toMatchObject({ status: 'error', ename: 'TSError', evalue: "Type 'number' is not assignable to type 'string'. (line 2, column 7, TS2322)" });
    expect(bad.streams, 'nothing of the cell ran').toBe('');
    expect(stderrOf(k)).toMatch(/type checker on a worker thread, not the resident \(the resident went/);
    expect(stderrOf(k)).toMatch(/type checker ready \(worker thread/);
  }, 240_000);

  it('a module edited between two kernels of a folder: the next kernel checks against the edit, not the parse the sessions share', async () => {
    const dir = residentFolder();
    const notebooks = tempDir();
    // dated well before the checks (a file modified within 2 s of its dating is read again regardless)
    const write = (name: string, minutesAgo: number) => {
      writeFileSync(join(notebooks, 'mod.mjs'), `export const ${name} = 1;\n`);
      writeFileSync(join(notebooks, 'mod.d.mts'), `export declare const ${name}: number;\n`);
      const t = new Date(Date.now() - minutesAgo * 60_000);
      for (const f of ['mod.mjs', 'mod.d.mts']) utimesSync(join(notebooks, f), t, t);
    };
    write('before', 60);
    const first = await startKernel(kernels, { NOISELAB_KERNEL_RESIDENT_DIR: dir }, notebooks);
    expect((await exec(first, 'import { before } from "./mod.mjs";\nbefore + 1')).reply.status).toBe('ok');
    expect(await until(() => logOf(dir).includes(`spare for ${notebooks} ready`), 60_000), logOf(dir)).toBe(true);
    write('renamedAfter', 30);
    for (const k of [await startKernel(kernels, { NOISELAB_KERNEL_RESIDENT_DIR: dir }, notebooks), await startKernel(kernels, { NOISELAB_KERNEL_RESIDENT_DIR: dir }, notebooks)]) {
      expect((await exec(k, 'import { before } from "./mod.mjs";\nbefore')).reply).toMatchObject({ status: 'error', ename: 'TSError', evalue: expect.stringMatching(/has no exported member 'before'/) });
      expect((await exec(k, 'import { renamedAfter } from "./mod.mjs";\nrenamedAfter + 1')).reply.status).toBe('ok');
      expect(stderrOf(k)).toMatch(/resident process/);
    }
    expect(processesWith(`${dir}/`), 'one resident for the three').toHaveLength(1);
  }, 240_000);

  it("writes TypeScript's code cache once warm; the next resident compiles from it and checks as before", async () => {
    const cache = tempDir();
    const first = residentFolder();
    // without the resident's snapshot (which holds TypeScript compiled already)
    const a = await startKernel(kernels, { NOISELAB_KERNEL_RESIDENT_DIR: first, NOISELAB_KERNEL_CODE_CACHE_DIR: cache, NOISELAB_KERNEL_SNAPSHOT: '0' });
    expect((await exec(a, '1 + 1')).reply.status).toBe('ok');
    expect(logOf(first)).toMatch(/TypeScript loaded in \d+ ms \(code cache: absent\)/);
    expect(await until(() => logOf(first).includes('code cache written'), 60_000), logOf(first)).toBe(true);
    const second = residentFolder();
    const b = await startKernel(kernels, { NOISELAB_KERNEL_RESIDENT_DIR: second, NOISELAB_KERNEL_CODE_CACHE_DIR: cache, NOISELAB_KERNEL_SNAPSHOT: '0' });
    await typeErrorsStopCells(b);
    expect(logOf(second)).toMatch(/TypeScript loaded in \d+ ms \(code cache: used\)/);
  }, 240_000);

  it('starts from its snapshot (the library and Node\'s types parsed) where one is built, and without it where that blob is damaged', async () => {
    const snapshots = tempDir();
    // the build's own module (it bundles the compiled kernel beside it)
    const { buildSnapshot, RESIDENT_BLOB } = await import(`${kernelDir}/snapshot.js`) as typeof import('../../src/kernel/snapshot.js');
    const built = await buildSnapshot(kernelDir, { kind: RESIDENT_BLOB, env: { ...process.env, NOISELAB_KERNEL_SNAPSHOT_DIR: snapshots } });
    expect(built.files).toBeGreaterThan(100);
    const dir = residentFolder();
    const k = await startKernel(kernels, { NOISELAB_KERNEL_RESIDENT_DIR: dir, NOISELAB_KERNEL_SNAPSHOT_DIR: snapshots });
    await typeErrorsStopCells(k);
    expect(logOf(dir)).toMatch(/started from its snapshot: TypeScript [\d.]+, \d+ files parsed/);
    expect(logOf(dir)).not.toMatch(/TypeScript loaded/);
    expect(stderrOf(k)).toMatch(/type checker ready \(resident process/);
    // a blob cut short: its process crashes, the kernel says so and starts the resident without it
    writeFileSync(built.blob, readFileSync(built.blob).subarray(0, 100_000));
    const other = residentFolder();
    const k2 = await startKernel(kernels, { NOISELAB_KERNEL_RESIDENT_DIR: other, NOISELAB_KERNEL_SNAPSHOT_DIR: snapshots });
    await typeErrorsStopCells(k2);
    expect(stderrOf(k2)).toMatch(/the resident's snapshot .* did not start \((SIGSEGV|SIGABRT|SIGBUS|exit 14)\): the resident starts without it/);
    expect(logOf(other)).toMatch(/TypeScript loaded in \d+ ms/);
    expect(stderrOf(k2)).toMatch(/type checker ready \(resident process/);
  }, 240_000);

  it('is not started for a kernel that does not type-check', async () => {
    const dir = residentFolder();
    const k = await startKernel(kernels, { NOISELAB_KERNEL_RESIDENT_DIR: dir, NOISELAB_KERNEL_TYPECHECK: '0' });
    expect((await exec(k, 'const s: string = 1; s')).reply.status).toBe('ok');
    await new Promise((r) => setTimeout(r, 500));
    expect(processesWith(`${dir}/`)).toHaveLength(0);
  }, 240_000);

  it('closes a connection that does not say hello, or sends what is not JSON, and serves its kernels on', async () => {
    const dir = residentFolder();
    const k = await startKernel(kernels, { NOISELAB_KERNEL_RESIDENT_DIR: dir });
    expect((await exec(k, 'let count = 0;')).reply.status).toBe('ok');
    const talk = (lines: string) => new Promise<void>((done, fail) => {
      const s = createConnection(join(dir, socketOf(dir)!));
      s.on('connect', () => s.write(lines));
      s.on('close', () => done());
      s.on('error', fail);
      s.resume();
    });
    await talk('not a hello\n');
    await talk(`${JSON.stringify({ type: 'hello', data: { cwd: tempDir(), kernelDir: '/nowhere', warm: [], live: null } })}\n{ not json\n`);
    expect(logOf(dir)).toMatch(/did not say hello/);
    expect(logOf(dir)).toMatch(/sent what is not JSON/);
    const bad = await exec(k, 'const s: string = count;');
    expect(bad.reply).toMatchObject({ status: 'error', ename: 'TSError' });
    expect(stderrOf(k)).not.toMatch(/not the resident/);
    expect(processesWith(`${dir}/`)).toHaveLength(1);
  }, 240_000);

  it('leaves once idle without a kernel, and removes its socket', async () => {
    const dir = residentFolder();
    const k = await startKernel(kernels, { NOISELAB_KERNEL_RESIDENT_DIR: dir, NOISELAB_KERNEL_RESIDENT_IDLE_S: '2' });
    expect((await exec(k, '1 + 1')).reply.status).toBe('ok');
    expect(processesWith(`${dir}/`)).toHaveLength(1);
    await k.shutdown(1);
    expect(await until(() => processesWith(`${dir}/`).length === 0 && !socketOf(dir), 30_000), logOf(dir)).toBe(true);
    expect(logOf(dir)).toMatch(/leaving \(idle\)/);
  }, 240_000);

  it('takes the place of a dead one: a socket file nobody listens on is replaced', async () => {
    const dir = residentFolder();
    const first = await startKernel(kernels, { NOISELAB_KERNEL_RESIDENT_DIR: dir });
    expect((await exec(first, '1 + 1')).reply.status).toBe('ok');
    const socket = socketOf(dir)!;
    await first.shutdown(1);
    for (const pid of processesWith(`${dir}/`)) process.kill(pid, 'SIGKILL');
    expect(await until(() => processesWith(`${dir}/`).length === 0, 10_000)).toBe(true);
    expect(existsSync(join(dir, socket)), 'a killed resident leaves its socket behind').toBe(true);
    const next = await startKernel(kernels, { NOISELAB_KERNEL_RESIDENT_DIR: dir });
    await typeErrorsStopCells(next);
    expect(stderrOf(next)).toMatch(/type checker ready \(resident process/);
    expect(processesWith(`${dir}/`)).toHaveLength(1);
  }, 240_000);

  it('is not used from a folder others can enter (they could listen in its place): the kernel says so and checks on its own', async () => {
    const dir = residentFolder();
    chmodSync(dir, 0o777);
    writeFileSync(join(dir, 'placeholder'), '');
    const k = await startKernel(kernels, { NOISELAB_KERNEL_RESIDENT_DIR: dir, NOISELAB_KERNEL_SNAPSHOT: '0' });
    await typeErrorsStopCells(k);
    expect(stderrOf(k)).toMatch(/no resident type checker \(.* closed to others/);
    expect(stderrOf(k)).toMatch(/type checker ready \(worker thread/);
    expect(processesWith(`${dir}/`)).toHaveLength(0);
  }, 240_000);
});
