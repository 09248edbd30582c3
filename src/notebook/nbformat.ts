/** Reading and writing Jupyter notebooks (nbformat 4; written as 4.5 with cell ids). */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/fs.js';
import { jsonErrorLocation } from './json-error.js';

/** A string as nbformat stores it: whole, or as a list of lines to concatenate. */
export type MultilineString = string | string[];

/** One output of a code cell (nbformat 4): a stream, display data, an execute result or an error. */
export interface Output {
  output_type: 'stream' | 'display_data' | 'execute_result' | 'error';
  name?: string;
  text?: MultilineString;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/**
 * One notebook cell (nbformat 4): its type, source and metadata (tags), and for code cells its outputs and
 * execution count.
 */
export interface Cell {
  id?: string;
  cell_type: 'code' | 'markdown' | 'raw';
  source: MultilineString;
  metadata: { tags?: string[]; [key: string]: unknown };
  outputs?: Output[];
  execution_count?: number | null;
  [key: string]: unknown;
}

/** A notebook as an .ipynb file holds it (nbformat 4): format version, metadata (kernelspec) and cells. */
export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: { kernelspec?: { name?: string; display_name?: string; language?: string }; [key: string]: unknown };
  cells: Cell[];
}

export class NotebookError extends Error {}

export const text = (s: MultilineString | undefined): string => (Array.isArray(s) ? s.join('') : s ?? '');

/** "a\nb" -> ["a\n", "b"], the way Jupyter stores multiline strings. */
export function lines(s: string): string[] {
  return s.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

export const hasTag = (cell: Cell, tag: string): boolean => Array.isArray(cell.metadata?.tags) && cell.metadata.tags.includes(tag);

const MAX_DEPTH = 1000;

/** Whether a parsed JSON value nests deeper than `limit` (walked without recursion). */
export function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    if (d >= limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child && typeof child === 'object') stack.push([child, d + 1]);
  }
  return false;
}

/** Parses and checks a notebook; every error names the file and, where it applies, the cell. */
export function parseNotebook(src: string, file: string): Notebook {
  let nb: unknown;
  try {
    nb = JSON.parse(src);
  } catch {
    const at = jsonErrorLocation(src);
    throw new NotebookError(`${file}: not a notebook, invalid JSON at line ${at.line}, column ${at.column} (unexpected ${at.found})`);
  }
  const bad = (what: string) => new NotebookError(`${file}: ${what}`);
  // deeper values would overflow the stack of whatever walks them later (String(), structured clone)
  if (depthExceeds(nb, MAX_DEPTH)) throw bad(`not a notebook: values nested more than ${MAX_DEPTH} levels deep`);
  if (!nb || typeof nb !== 'object' || Array.isArray(nb)) throw bad('not a notebook: the top level must be a JSON object');
  const n = nb as Partial<Notebook>;
  if (n.nbformat !== 4) throw bad(`nbformat ${String(n.nbformat)} is not supported (nbformat 4 is; upgrade with \`jupyter nbconvert --to notebook\`)`);
  if (!Array.isArray(n.cells)) throw bad('"cells" must be a list');
  if (n.metadata !== undefined && (typeof n.metadata !== 'object' || n.metadata === null)) throw bad('"metadata" must be an object');
  n.cells.forEach((c, i) => {
    const where = `cell ${i + 1}`;
    if (!c || typeof c !== 'object') throw bad(`${where} is not an object`);
    if (!['code', 'markdown', 'raw'].includes(c.cell_type)) throw bad(`${where}: cell_type must be code, markdown or raw, got ${JSON.stringify(c.cell_type)}`);
    const s = c.source;
    if (!(typeof s === 'string' || (Array.isArray(s) && s.every((x) => typeof x === 'string')))) throw bad(`${where}: source must be a string or a list of strings`);
    if (c.metadata !== undefined && (typeof c.metadata !== 'object' || c.metadata === null)) throw bad(`${where}: metadata must be an object`);
    if (c.metadata?.tags !== undefined && !(Array.isArray(c.metadata.tags) && c.metadata.tags.every((t) => typeof t === 'string'))) {
      throw bad(`${where}: metadata.tags must be a list of strings`);
    }
  });
  return { nbformat: 4, nbformat_minor: n.nbformat_minor ?? 0, metadata: n.metadata ?? {}, cells: n.cells };
}

export function readNotebook(file: string): Notebook {
  let src: string;
  try {
    src = readFileSync(file, 'utf8');
  } catch (e) {
    throw new NotebookError(`cannot read notebook ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return parseNotebook(src, file);
}

/** nbformat 4.5: every cell has a unique id; missing ones are derived from position and source, so reruns agree. */
export function upgradeTo45(nb: Notebook): Notebook {
  const seen = new Set<string>();
  const cells = nb.cells.map((c, i) => {
    let id = typeof c.id === 'string' && /^[a-zA-Z0-9-_]{1,64}$/.test(c.id) && !seen.has(c.id) ? c.id : '';
    if (!id) id = createHash('sha1').update(`${i}\0${text(c.source)}`).digest('hex').slice(0, 8);
    while (seen.has(id)) id = createHash('sha1').update(id).digest('hex').slice(0, 8);
    seen.add(id);
    const cell: Cell = { ...c, id, metadata: c.metadata ?? {} };
    if (cell.cell_type === 'code') {
      cell.outputs ??= [];
      cell.execution_count ??= null;
    }
    return cell;
  });
  return { ...nb, nbformat_minor: Math.max(nb.nbformat_minor, 5), cells };
}

export function serializeNotebook(nb: Notebook): string {
  return JSON.stringify(nb, null, 1) + '\n';
}

export function writeNotebook(file: string, nb: Notebook): void {
  writeFileAtomic(file, serializeNotebook(nb));
}
