/**
 * The resident type checker: a process that outlives the kernels it serves, so that a kernel started after
 * another (a restart, a second notebook, `noiselab run` going through a folder) finds TypeScript loaded,
 * the library's declarations parsed, and a session checker for its folder already warmed: its first cell
 * is checked in milliseconds instead of the seconds a checker of its own takes to start.
 *
 * `node resident-main.js <socket> <key>`, or `node --snapshot-blob <resident blob> <socket> <key>`
 * (./resident-snapshot.ts): ./resident.ts starts it, detached, where a kernel finds none listening. Each connection is one kernel's session: a line `{"type":"hello","data":WorkerData}`, then
 * the requests and replies of ./checker-service.ts, one JSON per line. Sessions are independent (each its
 * own SessionChecker: a cell of one kernel is never in view of another's); what they share is the files
 * read from disk and parsed (TypeScript reuses a SourceFile in any program of the same options, as its
 * language service's document registry does), each dated and read again where it changed on disk since.
 *
 * The spare: once no request has come for a moment, a session checker is built and warmed for the folder
 * and settings of the last kernel that connected, and given to the next kernel that asks for the same.
 * The resident leaves after NOISELAB_KERNEL_RESIDENT_IDLE_S seconds (default 1800) without a kernel.
 */
import { rmSync, statSync, writeSync } from 'node:fs';
import type * as TS from 'typescript';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { lineReader, serveChecker, type Port, type Reply, type Request, type WorkerData } from './checker-service.js';
import { residentIdleSeconds } from './resident-config.js';
import { SessionChecker, unchangedSince, type PreparsedFile } from './typecheck.js';
import { codeCacheDir, loadTypeScriptCached, type CachedTypeScript } from './typescript-cache.js';

/** ms without a request before the spare is built */
const SPARE_IDLE_MS = 1500;

let socketPath = '';
let key = '';
let idleMs = 0;

/** TypeScript as this resident has it: loaded (through the code cache), or in its startup snapshot */
let loaded: CachedTypeScript | { ts: typeof TS; state: 'snapshot'; loadMs: 0 } | null = null;
/** whether this resident has written TypeScript's code cache (once, after its first spare) */
let cacheWritten = false;
/** the files sessions read from disk and parsed, each dated (modification time and size) before its read */
const library = new Map<string, PreparsedFile>();
let spare: { data: string; checker: SessionChecker } | null = null;
let last: WorkerData | null = null;
let sessions = 0;
let spareTimer: NodeJS.Timeout | undefined;
let exitTimer: NodeJS.Timeout | undefined;
let ownSocket: number | null = null;

function log(line: string): void {
  try { writeSync(2, `${new Date().toISOString()} resident checker ${key}: ${line}\n`); } catch { /* no log */ }
}

function typescript(): typeof TS {
  if (!loaded) {
    loaded = loadTypeScriptCached(codeCacheDir());
    log(`TypeScript loaded in ${loaded.loadMs.toFixed(0)} ms (code cache: ${loaded.state})`);
  }
  return loaded.ts;
}

/** Once a spare is warm (the parser, binder and checker compiled), TypeScript's code cache is written if it was not used. */
function writeCodeCache(): void {
  // only a cache that was not there, or that was refused, is written
  if (cacheWritten || !loaded || (loaded.state !== 'absent' && loaded.state !== 'rejected')) return;
  cacheWritten = true;
  const problem = loaded.save();
  log(problem ? `no code cache: ${problem}` : `code cache written: ${loaded.file}`);
}

/**
 * What a session checker read and parsed joins the library, dated as the checker read it; its parse of a
 * file replaces the library's (the checker read it again because the library's was no longer current,
 * or the library took a newer one since: either way every take checks the date again).
 */
function harvest(checker: SessionChecker): void {
  for (const [f, p] of checker.parsedFiles()) {
    const had = library.get(f);
    // a parse of its own of a file the library has current (the spare's, say) leaves the library's
    if (!had || (had.file !== p.file && !unchangedSince(f, had))) library.set(f, p);
  }
}

/** The library's files unchanged on disk (a changed one is dropped: the next session reads it again). */
function currentLibrary(): Map<string, PreparsedFile> {
  for (const [f, p] of library) if (!unchangedSince(f, p)) library.delete(f);
  return library;
}

function newChecker(data: WorkerData, warm: string[]): SessionChecker {
  // the checker takes a library file only while its date holds (one stat each): no prune needed first
  const checker = new SessionChecker(data.cwd, data.kernelDir, typescript(), data.live, library);
  checker.warmUp(warm);
  harvest(checker);
  return checker;
}

/** Whether every file the spare read is unchanged on disk since (else it is dropped, and the session built afresh). */
function spareCurrent(checker: SessionChecker): boolean {
  const current = currentLibrary();
  for (const [f, p] of checker.parsedFiles()) if (current.get(f)?.file !== p.file) return false;
  return true;
}

const sessionKey = (d: WorkerData) => JSON.stringify([d.cwd, d.kernelDir, d.live, d.warm]);

/** After a quiet moment, a warmed checker for the next kernel of the last one's folder. */
function scheduleSpare(): void {
  clearTimeout(spareTimer);
  spareTimer = setTimeout(() => {
    if (!last || spare?.data === sessionKey(last)) return;
    const started = performance.now();
    try {
      spare = { data: sessionKey(last), checker: newChecker(last, last.warm) };
      log(`spare for ${last.cwd} ready in ${(performance.now() - started).toFixed(0)} ms (${library.size} files parsed)`);
    } catch (e) {
      spare = null;
      log(`spare failed: ${(e as Error).stack ?? String(e)}`);
    }
    writeCodeCache();
  }, SPARE_IDLE_MS);
}

function scheduleExit(): void {
  clearTimeout(exitTimer);
  if (sessions === 0) exitTimer = setTimeout(() => leave('idle'), idleMs);
}

function leave(why: string, code = 0): never {
  log(`leaving (${why})`);
  try {
    // only our own socket: another resident may have taken the path since
    if (ownSocket !== null && statSync(socketPath).ino === ownSocket) rmSync(socketPath, { force: true });
  } catch { /* gone */ }
  process.exit(code);
}

/** A kernel's session: its checker served on `socket`; returns what takes each later line (a request). */
function serve(socket: Socket, data: WorkerData): (line: string) => boolean {
  sessions++;
  clearTimeout(exitTimer);
  last = data;
  const handlers: ((m: Request) => void)[] = [];
  let checker: SessionChecker | null = null;
  let closed = false;
  const port: Port = {
    closed: () => closed,
    send: (m: Reply) => {
      if (m.type === 'warm' && checker) harvest(checker);
      if (!socket.destroyed) socket.write(`${JSON.stringify(m)}\n`);
    },
    onRequest: (h) => handlers.push(h),
  };
  socket.on('close', () => {
    sessions--;
    closed = true;
    handlers.length = 0;
    checker = null;
    scheduleExit();
  });
  serveChecker(port, data.warm, () => {
    const started = performance.now();
    if (spare?.data === sessionKey(data) && spareCurrent(spare.checker)) {
      checker = spare.checker;
      spare = null;
      return { checker, warmed: true, ready: { loadMs: 0, warmMs: 0, kind: 'resident', spare: true } };
    }
    // the standard library and Node's types now; the rest (noiselab) once the session is quiet
    const parsed = library.size;
    checker = newChecker(data, []);
    return { checker, warmed: false, ready: { loadMs: parsed ? 0 : loaded!.loadMs, warmMs: performance.now() - started, kind: 'resident', spare: false } };
  });
  scheduleSpare();
  return (line) => {
    scheduleSpare();
    let m: Request;
    try {
      m = JSON.parse(line) as Request;
    } catch {
      log(`a kernel sent what is not JSON (${line.slice(0, 80)}): its session ends`);
      socket.destroy();
      return false;
    }
    for (const h of handlers) h(m);
    return true;
  };
}

/** A connection: its first line says hello (the kernel's WorkerData), the lines after it are its session's requests. */
function onConnection(socket: Socket): void {
  socket.setEncoding('utf8');
  let session: ((line: string) => boolean) | null = null;
  socket.on('data', lineReader((line) => {
    if (session) return session(line);
    let data: WorkerData;
    try {
      const m = JSON.parse(line) as { type: string; data: WorkerData };
      if (m.type !== 'hello' || typeof m.data?.cwd !== 'string') throw new Error('the first line is not a hello');
      data = m.data;
    } catch (e) {
      log(`a connection that did not say hello: ${(e as Error).message}`);
      socket.destroy();
      return false;
    }
    session = serve(socket, data);
    return true;
  }));
  socket.on('error', () => undefined);
}

function listen(server: Server, retried = false): void {
  server.once('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EADDRINUSE' || retried) {
      log(`cannot listen on ${socketPath}: ${e.message}`);
      process.exit(1);
    }
    // a resident listening there (started at the same moment by another kernel), or the socket of one that died
    const probe = createConnection(socketPath);
    probe.once('connect', () => { probe.destroy(); log('another resident is listening there'); process.exit(0); });
    probe.once('error', () => { rmSync(socketPath, { force: true }); listen(server, true); });
  });
  server.listen(socketPath, () => {
    ownSocket = statSync(socketPath).ino;
    log(`listening on ${socketPath} (pid ${process.pid})`);
    scheduleExit();
  });
}

/**
 * The resident, on `args`: `<socket> <key>` from its command line. From a startup snapshot (./resident-snapshot.ts)
 * it is given TypeScript and the files the snapshot parsed (each taken while its date on disk holds).
 */
export function runResident(args: string[], fromSnapshot?: { ts: typeof TS; parsed: Map<string, PreparsedFile> }): void {
  [socketPath, key] = args;
  if (!socketPath || !key) {
    process.stderr.write('usage: node resident-main.js <socket> <key> (the noiselab kernel starts it)\n');
    process.exit(2);
  }
  idleMs = residentIdleSeconds() * 1000;
  if (fromSnapshot) {
    loaded = { ts: fromSnapshot.ts, state: 'snapshot', loadMs: 0 };
    for (const [f, p] of fromSnapshot.parsed) library.set(f, p);
    log(`started from its snapshot: TypeScript ${fromSnapshot.ts.version}, ${library.size} files parsed`);
  }
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => leave(signal));
  // a fault of its own ends it, saying why; its kernels go on with checkers of their own
  process.on('uncaughtException', (e) => leave(`a fault: ${e.stack ?? String(e)}`, 1));
  listen(createServer(onConnection));
}
