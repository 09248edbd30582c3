/**
 * The kernel's type checker in a process of its own, started from a V8 startup snapshot (./snapshot.ts
 * builds it; ./checker.ts starts it): the snapshot holds TypeScript evaluated and the standard library,
 * Node's types and noiselab's declarations parsed and bound, so the checker is ready in a fraction of a
 * second instead of seconds of CPU. It talks to the kernel over its IPC channel with the requests and
 * replies of the worker-thread checker (./checker-service.ts), and exits when that channel closes.
 *
 * Bundled with TypeScript into one CommonJS script for `node --build-snapshot` (which cannot load user
 * modules): at build time it reads NOISELAB_SNAPSHOT_CONFIG; when started from the blob
 * (`node --snapshot-blob <blob> <WorkerData as JSON>`) it makes the session's checker for the notebook's
 * folder, on the files parsed at build time that are unchanged on disk.
 */
import * as v8 from 'node:v8';
import * as ts from 'typescript';
import { serveChecker, type Reply, type Request, type WorkerData } from './checker-service.js';
import type { SnapshotConfig } from './snapshot.js';
import { warmForSnapshot } from './snapshot-warm.js';
import { SessionChecker, unchangedSince, type PreparsedFile } from './typecheck.js';

function main(config: SnapshotConfig, parsed: Map<string, PreparsedFile>): void {
  const startMs = process.uptime() * 1000;
  if (!process.send) {
    process.stderr.write('the type checker snapshot is started by the noiselab kernel (over an IPC channel)\n');
    process.exit(2);
  }
  // the kernel ended (however): so does its checker
  process.on('disconnect', () => process.exit(0));
  const data = JSON.parse(process.argv.at(-1)!) as WorkerData;
  serveChecker({ send: (m: Reply) => process.send!(m), onRequest: (h) => process.on('message', (m: Request) => h(m)) }, data.warm, () => {
    const started = performance.now();
    const current = new Map<string, PreparsedFile>();
    let stale = 0;
    for (const [f, p] of parsed) {
      if (unchangedSince(f, p)) current.set(f, p);
      else stale++;
    }
    // each is given to one checker only (a live file edited later is read again, not taken from here)
    parsed.clear();
    const checker = new SessionChecker(data.cwd, data.kernelDir, ts, data.live, current);
    const both = data.warm.every((m) => config.warm.includes(m));
    checker.warmUp(both ? data.warm : []);
    return {
      checker, warmed: both,
      ready: {
        loadMs: 0, warmMs: performance.now() - started, kind: 'snapshot', key: config.key, preparsed: { used: current.size, stale },
        startMs, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
      },
    };
  });
}

if (v8.startupSnapshot?.isBuildingSnapshot()) {
  const { config, parsed } = warmForSnapshot(ts);
  v8.startupSnapshot.setDeserializeMainFunction(() => main(config, parsed));
}
