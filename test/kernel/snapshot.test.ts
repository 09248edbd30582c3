/**
 * The kernel's type checker from a startup snapshot (src/kernel/snapshot.ts): used when the blob is
 * current, the worker thread when it is stale or corrupt (said once on stderr), type errors stop a cell
 * either way, and the checker's process ends with the kernel (even one killed by SIGKILL).
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Kernel } from '../../src/notebook/kernel.js';
import { listKernelSpecs } from '../../src/notebook/kernelspec.js';
import { tempDir } from '../helpers.js';
import { exec, kernelDir, procOf, processesWith, startKernel, stderrOf, typeErrorsStopCells, until } from './checker-helpers.js';

const ready = listKernelSpecs().has('noiselab');
const kernels: Kernel[] = [];
afterEach(async () => { await Promise.all(kernels.splice(0).map((k) => k.shutdown(1))); });

// the resident checker (./resident.test.ts) off: these kernels take the snapshot, or a thread of their own
const start = (snapshotDir: string) => startKernel(kernels, { NOISELAB_KERNEL_SNAPSHOT_DIR: snapshotDir, NOISELAB_KERNEL_RESIDENT: '0' });

describe.runIf(ready || process.env.CI)('the type checker from a startup snapshot', () => {
  let current: string;
  let key: string;
  beforeAll(async () => {
    const { findSnapshot, buildSnapshot } = await import(`${kernelDir}/snapshot.js`) as typeof import('../../src/kernel/snapshot.js');
    // a copy of the current blob in a folder of this test's own (its path names the checker's process),
    // built here where setup has not built it
    current = tempDir('noiselab-snapshot-');
    const found = findSnapshot(kernelDir);
    if ('blob' in found) {
      key = found.key;
      copyFileSync(found.blob, join(current, `checker-${key}.blob`));
    } else {
      key = (await buildSnapshot(kernelDir, { env: { ...process.env, NOISELAB_KERNEL_SNAPSHOT_DIR: current } })).key;
    }
  }, 300_000);

  it('is used when the blob is current: the checker is the snapshot process, and type errors stop a cell', async () => {
    const k = await start(current);
    await typeErrorsStopCells(k);
    expect(stderrOf(k)).toMatch(/type checker ready \(snapshot process/);
    expect(stderrOf(k)).not.toMatch(/worker thread/);
  }, 180_000);

  it('ends with the kernel: killed with SIGKILL, its checker process exits when the IPC channel closes', async () => {
    const k = await start(current);
    await exec(k, '1 + 1');
    expect(processesWith(current).length, 'the checker runs from this test\'s blob').toBe(1);
    process.kill(procOf(k).pid!, 'SIGKILL'); // the kernel only, not its process group
    expect(await until(() => processesWith(current).length === 0, 10_000), 'the checker process is gone').toBe(true);
  }, 120_000);

  /** A kernel whose session has run `let count = 0;`, with its snapshot checker ready; and that checker's pid. */
  async function sessionOnSnapshot(): Promise<{ k: Kernel; pid: number }> {
    const k = await start(current);
    expect((await exec(k, 'let count = 0;')).reply.status).toBe('ok');
    expect(await until(() => /type checker ready \(snapshot process/.test(stderrOf(k)), 30_000)).toBe(true);
    const [pid] = processesWith(current);
    expect(pid, 'the checker runs from this test\'s blob').toBeGreaterThan(0);
    return { k, pid };
  }

  it('a checker process that dies mid-session: the worker thread takes over with the session\'s cells, and type errors still stop a cell', async () => {
    const { k, pid } = await sessionOnSnapshot();
    process.kill(pid, 'SIGKILL');
    expect(await until(() => processesWith(current).length === 0, 10_000)).toBe(true);
    // `count` comes from the first cell: a worker without the session's cells would say "Cannot find name 'count'"
    const bad = await exec(k, 'console.log("ran");\nconst s: string = count;');
    expect(bad.reply).toMatchObject({ status: 'error', ename: 'TSError', evalue: "Type 'number' is not assignable to type 'string'. (line 2, column 7, TS2322)" });
    expect(bad.streams, 'nothing of the cell ran').toBe('');
    expect(stderrOf(k)).toMatch(/type checker ready \(worker thread/);
    // the kernel learns of the death by the exit, a send that fails or a channel error, whichever comes first
    const notes = stderrOf(k).match(/not from a snapshot \([^\n]*/g);
    expect(notes, stderrOf(k)).toHaveLength(1);
    expect(notes![0]).toMatch(/snapshot process/);
  }, 180_000);

  it('a checker process killed while a check is in flight: the check is answered by the worker thread', async () => {
    const { k, pid } = await sessionOnSnapshot();
    const bad = exec(k, 'console.log("ran");\nconst s: string = count;');
    process.kill(pid, 'SIGKILL');
    const r = await bad;
    expect(r.reply).toMatchObject({ status: 'error', ename: 'TSError' });
    expect(r.streams, 'nothing of the cell ran').toBe('');
  }, 180_000);

  it('falls back to the worker thread when the blob is stale, saying so once; type errors still stop a cell', async () => {
    const stale = tempDir('noiselab-snapshot-');
    writeFileSync(join(stale, 'checker-0123456789abcdef0123.blob'), 'an older build');
    const k = await start(stale);
    await typeErrorsStopCells(k);
    expect(stderrOf(k)).toMatch(/type checker ready \(worker thread/);
    expect(stderrOf(k).match(/not from a snapshot \(the snapshot in .* is stale/g)).toHaveLength(1);
  }, 180_000);

  it('falls back to the worker thread when the blob is corrupt (its process crashes at start)', async () => {
    const corrupt = tempDir('noiselab-snapshot-');
    mkdirSync(corrupt, { recursive: true });
    writeFileSync(join(corrupt, `checker-${key}.blob`), Buffer.alloc(100_000, 7));
    const k = await start(corrupt);
    await typeErrorsStopCells(k);
    expect(stderrOf(k)).toMatch(/type checker ready \(worker thread/);
    expect(stderrOf(k).match(/not from a snapshot \(the snapshot process exited/g)).toHaveLength(1);
  }, 180_000);
});
