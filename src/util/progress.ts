/**
 * Progress with rate and ETA. In a notebook: one display updated in place. In a terminal:
 * one line rewritten in place on stderr. Otherwise (CI, pipes): silent; callers print summaries.
 */
import { createRequire } from 'node:module';
import { kernelHook } from '../kernel/display.js';

/** A progress reporter made by `createProgress`. */
export interface Progress {
  /** report `done` of `total` units, with an optional note such as the current loss */
  update(done: number, note?: string): void;
  /** final line (kept in terminal and notebook) */
  finish(note?: string): void;
}

interface TextDisplay { text(s: string): void }

let displays = 0;

function notebookDisplay(): TextDisplay | null {
  const hook = kernelHook();
  if (hook) {
    const displayId = `noiselab-progress-${process.pid}-${++displays}`;
    let shown = false;
    return { text: (s) => { hook.display({ 'text/plain': s }, { displayId, update: shown }); shown = true; } };
  }
  if (!process.argv.some((a) => /tslab/.test(a))) return null;
  try {
    const tslab = createRequire(import.meta.url)('tslab') as { newDisplay(): TextDisplay };
    return tslab.newDisplay();
  } catch {
    return null;
  }
}

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  if (sec < 60) return `${sec.toFixed(sec < 10 ? 1 : 0)}s`;
  const m = Math.floor(sec / 60);
  return m < 60 ? `${m}m${String(Math.round(sec % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function progressLine(label: string, done: number, total: number, elapsedSec: number, note?: string): string {
  const rate = done / Math.max(elapsedSec, 1e-9);
  const eta = rate > 0 ? (total - done) / rate : Infinity;
  const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
  const width = 20;
  const filled = Math.round((width * pct) / 100);
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
  return `${label} [${bar}] ${done}/${total} ${rate.toFixed(rate < 10 ? 1 : 0)}/s ETA ${formatDuration(eta)}${note ? ` ${note}` : ''}`;
}

/**
 * Where progress shows: 'auto' (a notebook display, else a terminal line when stderr is a TTY outside CI, else
 * nowhere), one of those forced, or 'silent'.
 */
export type ProgressMode = 'auto' | 'terminal' | 'notebook' | 'silent';

/** A progress reporter for `total` units of work named `label`, throttled to a few updates a second. */
export function createProgress(label: string, total: number, mode: ProgressMode = 'auto'): Progress {
  const start = Date.now();
  let last = 0;
  const display = mode === 'notebook' || mode === 'auto' ? notebookDisplay() : null;
  const terminal = !display && (mode === 'terminal' || (mode === 'auto' && process.stderr.isTTY && !process.env.CI));
  if (!display && !terminal) return { update() {}, finish() {} };
  const show = (line: string, final: boolean) => {
    if (display) {
      try {
        display.text(line);
      } catch {
        // tslab's output socket refuses a send until the event loop turns: progress never fails a run
      }
    }
    else process.stderr.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
  };
  let lastDone = 0;
  return {
    update(done, note) {
      lastDone = done;
      const now = Date.now();
      if (now - last < 250 && done < total) return;
      last = now;
      show(progressLine(label, done, total, (now - start) / 1000, note), false);
    },
    finish(note) {
      show(`${progressLine(label, lastDone, total, (Date.now() - start) / 1000)} done in ${formatDuration((Date.now() - start) / 1000)}${note ? ` ${note}` : ''}`, true);
    },
  };
}
