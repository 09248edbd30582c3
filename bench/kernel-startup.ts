/**
 * A kernel's startup and per-cell figures, as a client that asks at once sees them (`node --import tsx
 * bench/kernel-startup.ts [kernel ...] [--reps N]`, kernels as registered: noiselab (with its resident
 * checker: the first kernel and the next of its folder), noiselab:node (the same without the native launcher),
 * noiselab:snapshot, noiselab:worker, tslab):
 * spawn to the kernel_info reply (the client reconnects every 1 ms, so its own retry interval is not
 * measured), spawn to the first result (`6 * 7`, type-checked where the kernel checks), the median and
 * fastest of 30 trivial cells' round trips, and a cell importing noiselab. For noiselab, NOISELAB_KERNEL_TIMING=1
 * also gives the kernel's own figure: ms from its process's start to its kernel_info answer.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { freePorts } from '../src/notebook/kernel.js';
import { findKernelSpec } from '../src/notebook/kernelspec.js';
import { Session, type Message } from '../src/notebook/protocol.cjs';
import { projectRoot } from '../src/util/paths.js';
import { ownResident } from './resident.js';

export interface StartupRun { infoMs: number; kernelInfoMs: number | null; firstMs: number; tripMedianMs: number; tripMinMs: number; importMs: number }

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * One kernel of `name` started, asked, and killed; in `folder` (a new one by default) as its notebook's;
 * `launcher: false` starts noiselab's on Node alone, without its native launcher (src/kernel/launcher.c).
 */
export async function startupOnce(name: string, env: Record<string, string> = {}, folder?: string, launcher = true): Promise<StartupRun> {
  const spec = findKernelSpec(name);
  // the launcher's argv: [launcher, fallback main.js, node, ...]
  if (!launcher && spec.argv[0].endsWith('/launcher')) spec.argv = spec.argv.slice(2);
  const dir = folder ?? mkdtempSync(join(tmpdir(), 'noiselab-kstart-'));
  const [shell_port, iopub_port, stdin_port, control_port, hb_port] = await freePorts(5);
  const key = randomBytes(16).toString('hex');
  const file = join(dir, 'kernel.json');
  writeFileSync(file, JSON.stringify({ transport: 'tcp', ip: '127.0.0.1', shell_port, iopub_port, stdin_port, control_port, hb_port, key, signature_scheme: 'hmac-sha256' }));
  const session = new Session(key);
  const shell = new zmq.Dealer({ linger: 0, reconnectInterval: 1 });
  const iopub = new zmq.Subscriber({ linger: 0, reconnectInterval: 1 });
  shell.connect(`tcp://127.0.0.1:${shell_port}`);
  iopub.connect(`tcp://127.0.0.1:${iopub_port}`);
  iopub.subscribe();
  const argv = spec.argv.map((a) => a.replaceAll('{connection_file}', file));
  let stderr = '';
  const t0 = performance.now();
  const proc = spawn(argv[0], argv.slice(1), {
    cwd: dir, stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env, NOISELAB_KERNEL_HOME: join(projectRoot(), 'dist', 'kernel', 'main.js'), NOISELAB_TSLAB: join(projectRoot(), 'node_modules', 'tslab', 'bin', 'tslab'),
      NOISELAB_KERNEL_TIMING: '1', ...env,
    },
  });
  proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const replies = new Map<string, (m: Message) => void>();
  const idles = new Map<string, () => void>();
  void (async () => { for await (const f of shell) { const m = session.deserialize(f); replies.get(m.parent_header.msg_id ?? '')?.(m); } })().catch(() => undefined);
  void (async () => {
    for await (const f of iopub) {
      const m = session.deserialize(f);
      if (m.header.msg_type === 'status' && (m.content as { execution_state: string }).execution_state === 'idle') idles.get(m.parent_header.msg_id ?? '')?.();
    }
  })().catch(() => undefined);
  const died = new Promise<never>((_, fail) => proc.once('exit', (code) => fail(new Error(`${name} kernel exited (${code}): ${stderr.slice(-500)}`))));
  died.catch(() => undefined);
  const request = async (type: string, content: object, waitIdle: boolean): Promise<Message> => {
    const m = session.message(type, content);
    const reply = Promise.race([new Promise<Message>((ok) => replies.set(m.header.msg_id, ok)), died]);
    const idle = new Promise<void>((ok) => idles.set(m.header.msg_id, ok));
    await shell.send(session.serialize(m));
    const r = await reply;
    if (waitIdle) await Promise.race([idle, died]);
    return r;
  };
  const execute = (code: string) => request('execute_request', { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false }, true);
  try {
    await request('kernel_info_request', {}, false);
    const infoMs = performance.now() - t0;
    const first = await execute('6 * 7');
    const firstMs = performance.now() - t0;
    if ((first.content as { status: string }).status !== 'ok') throw new Error(`${name}: 6 * 7 failed: ${JSON.stringify(first.content)}`);
    const trips: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = performance.now();
      await execute(`${i} + 1`);
      trips.push(performance.now() - t);
    }
    const t = performance.now();
    const imported = await execute('import { Rng } from "noiselab";\nnew Rng(1).uniform()');
    const importMs = performance.now() - t;
    // tslab resolves "noiselab" only from a folder under a checkout's node_modules: not measured there
    const importOk = (imported.content as { status: string }).status === 'ok';
    const own = /kernel_info answered ([\d.]+) ms/.exec(stderr);
    return { infoMs, kernelInfoMs: own ? Number(own[1]) : null, firstMs, tripMedianMs: median(trips), tripMinMs: Math.min(...trips), importMs: importOk ? importMs : NaN };
  } finally {
    proc.kill('SIGKILL');
    shell.close();
    iopub.close();
    if (!folder) rmSync(dir, { recursive: true, force: true });
  }
}

const until = async (f: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; Date.now() < end && !f(); await new Promise((r) => setTimeout(r, 50)));
  return f();
};

/**
 * The resident checker's two cases, `reps` times each: the first kernel, which starts the resident, and the
 * next kernel of the same folder (a restart), once the resident has its spare session ready.
 */
async function residentRuns(reps: number, launcher: boolean): Promise<{ first: StartupRun[]; next: StartupRun[] }> {
  const first: StartupRun[] = [];
  const next: StartupRun[] = [];
  for (let r = 0; r < reps; r++) {
    const resident = ownResident();
    const folder = mkdtempSync(join(tmpdir(), 'noiselab-kstart-'));
    try {
      first.push(await startupOnce('noiselab', resident.env, folder, launcher));
      if (!await until(() => resident.log().includes(`spare for ${folder} ready`), 30_000)) throw new Error(`no spare session: ${resident.log()}`);
      next.push(await startupOnce('noiselab', resident.env, folder, launcher));
    } finally {
      resident.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  }
  return { first, next };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--reps');
  const reps = at >= 0 ? Number(args.splice(at, 2)[1]) : 5;
  const kernels = args.length ? args : ['noiselab'];
  const rows: string[] = ['| kernel | spawn to kernel_info reply (ms) | kernel_info, ms after the kernel process started | spawn to first result `6 * 7` (ms) | trivial round trip, median (fastest) ms | cell importing noiselab (ms) |', '|---|---|---|---|---|---|'];
  const row = (label: string, runs: StartupRun[]) => {
    const m = (f: (r: StartupRun) => number) => median(runs.map(f)).toFixed(0);
    const range = (f: (r: StartupRun) => number) => `${m(f)} (${Math.min(...runs.map(f)).toFixed(0)}-${Math.max(...runs.map(f)).toFixed(0)})`;
    const own = runs.every((r) => r.kernelInfoMs !== null) ? range((r) => r.kernelInfoMs!) : '-';
    rows.push(`| ${label} | ${range((r) => r.infoMs)} | ${own} | ${range((r) => r.firstMs)} | ${median(runs.map((r) => r.tripMedianMs)).toFixed(1)} (${Math.min(...runs.map((r) => r.tripMinMs)).toFixed(1)}) | ${runs.some((r) => Number.isNaN(r.importMs)) ? '-' : range((r) => r.importMs)} |`);
  };
  // noiselab: the resident checker (its first kernel, and the next one of a folder); noiselab:node: the same
  // without the native launcher; noiselab:snapshot and noiselab:worker: a checker of the kernel's own, from the
  // startup snapshot or on a worker thread
  const modes: Record<string, Record<string, string>> = {
    snapshot: { NOISELAB_KERNEL_RESIDENT: '0' },
    worker: { NOISELAB_KERNEL_RESIDENT: '0', NOISELAB_KERNEL_SNAPSHOT: '0' },
  };
  for (const k of kernels) {
    const [name, mode] = k.split(':');
    if (name === 'noiselab' && (!mode || mode === 'node')) {
      const { first, next } = await residentRuns(reps, mode !== 'node');
      const how = mode === 'node' ? ', Node alone' : '';
      row(`noiselab (resident, first kernel${how})`, first);
      row(`noiselab (resident, next kernel of the folder${how})`, next);
      continue;
    }
    const runs: StartupRun[] = [];
    for (let r = 0; r < reps; r++) runs.push(await startupOnce(name, mode ? modes[mode] : {}));
    row(k, runs);
  }
  console.log(`medians of ${reps} kernels (range in brackets)\n${rows.join('\n')}`);
  process.exit(0);
}
