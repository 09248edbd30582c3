/**
 * Parameters as papermill does them: values from `-p name value` and from a YAML/JSON file, rendered as
 * TypeScript into a cell tagged `injected-parameters` right after the cell tagged `parameters`.
 */
import { UsageError } from '../util/errors.js';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { depthExceeds, hasTag, lines, text, type Cell, type Notebook } from './nbformat.js';

/** Notebook parameter values by name (any JSON or YAML value). */
export type Parameters = Record<string, unknown>;

export class ParameterError extends Error {}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const RESERVED = new Set(('break case catch class const continue debugger default delete do else enum export extends false ' +
  'finally for function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
  'let static yield await implements interface package private protected public').split(' '));

export function checkName(name: string, where: string): void {
  if (!IDENTIFIER.test(name) || RESERVED.has(name)) throw new ParameterError(`${where}: '${name}' is not a valid TypeScript variable name`);
}

/** `-p` values are typed: JSON (numbers, booleans, null, "strings", arrays, objects) when they parse, else the raw string. */
export function parseValue(raw: string, name = 'value'): unknown {
  try {
    return JSON.parse(raw);
  } catch (e) {
    // text that starts like a JSON object, array or string was meant as JSON: say so rather than pass it on as a string
    if (/^\s*[[{"]/.test(raw)) throw new UsageError(`-p ${name}: '${raw}' is not valid JSON (${(e as Error).message}); fix it, or pass it as a string with -r ${name} VALUE`);
    return raw;
  }
}

/** A YAML or JSON file holding a mapping of parameter names to values. */
const MAX_PARAMETER_DEPTH = 100;

/** Whether [ and { brackets (outside quoted strings) nest deeper than `limit` anywhere in the text. */
export function flowDepthExceeds(src: string, limit: number): boolean {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') {
      if (++depth > limit) return true;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return false;
}

export function readParameterFile(file: string): Parameters {
  let src: string;
  try {
    src = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ParameterError(`parameters file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  // the YAML parser recurses per nesting level, and V8 can die outright (not throw) when it runs out of
  // stack inside a regular expression there: refuse deep flow nesting before parsing
  if (flowDepthExceeds(src, MAX_PARAMETER_DEPTH)) throw new ParameterError(`parameters file ${file}: values nested more than ${MAX_PARAMETER_DEPTH} levels deep`);
  let value: unknown;
  try {
    value = parseYaml(src);
  } catch (e) {
    throw new ParameterError(`parameters file ${file}: not valid YAML/JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ParameterError(`parameters file ${file}: expected a mapping of names to values`);
  if (depthExceeds(value, MAX_PARAMETER_DEPTH)) throw new ParameterError(`parameters file ${file}: values nested more than ${MAX_PARAMETER_DEPTH} levels deep`);
  for (const name of Object.keys(value)) checkName(name, `parameters file ${file}`);
  return value as Parameters;
}

/** A TypeScript literal for a parameter value. */
export function renderValue(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : JSON.stringify(v);
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (Array.isArray(v)) return `[${v.map(renderValue).join(', ')}]`;
  if (v && typeof v === 'object') {
    return `{ ${Object.entries(v).map(([k, x]) => `${IDENTIFIER.test(k) ? k : JSON.stringify(k)}: ${renderValue(x)}`).join(', ')} }`;
  }
  if (v === undefined) return 'undefined';
  return JSON.stringify(v);
}

/** A Python literal for a parameter value (JSON's true/false/null spelled the Python way). */
export function renderPythonValue(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? "float('nan')" : v === Infinity ? "float('inf')" : v === -Infinity ? "-float('inf')" : JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null || v === undefined) return 'None';
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (Array.isArray(v)) return `[${v.map(renderPythonValue).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${renderPythonValue(x)}`).join(', ')}}`;
  return JSON.stringify(v);
}

/** Names declared with let/var in the parameters cell: these are assigned, so they keep their declared type. */
export function assignableNames(source: string): Set<string> {
  return new Set([...source.matchAll(/(?:^|[;{\s])(?:let|var)\s+([A-Za-z_$][\w$]*)/g)].map((m) => m[1]));
}

/** `let name: T = ...` in the parameters cell: name -> T, as written. */
export function declaredTypes(source: string): Map<string, string> {
  return new Map([...source.matchAll(/(?:^|[;{\s])(?:let|var)\s+([A-Za-z_$][\w$]*)\s*:\s*([^=;\n]+?)\s*(?==|;|$)/gm)].map((m) => [m[1], m[2]]));
}

/**
 * Whether `value` (from JSON, YAML or -p) has the declared type `type`: primitives (number, string,
 * boolean, null, undefined), literal types, arrays (`T[]`, `Array<T>`), unions and parentheses. A type
 * outside that (an interface, an object type, a generic) is not judged: true.
 */
export function valueHasType(value: unknown, type: string): boolean {
  const t = type.trim();
  const parts = splitTop(t, '|');
  if (parts.length > 1) return parts.some((p) => valueHasType(value, p));
  if (wrapped(t)) return valueHasType(value, t.slice(1, -1));
  const array = /^(.+)\[\]$/.exec(t) ?? /^(?:readonly\s+)?Array<(.+)>$/.exec(t) ?? /^readonly\s+(.+)\[\]$/.exec(t);
  if (array) return Array.isArray(value) && value.every((v) => valueHasType(v, array[1]));
  switch (t) {
    case 'number': return typeof value === 'number';
    case 'string': return typeof value === 'string';
    case 'boolean': return typeof value === 'boolean';
    case 'null': return value === null;
    case 'undefined': case 'void': return value === undefined;
    case 'true': case 'false': return value === (t === 'true');
  }
  if (/^(["']).*\1$/.test(t)) return value === t.slice(1, -1);
  if (/^-?\d+(\.\d+)?$/.test(t)) return value === Number(t);
  return true;
}

/** Whether one pair of parentheses encloses the whole of `t`. */
function wrapped(t: string): boolean {
  if (!t.startsWith('(') || !t.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '(') depth++;
    else if (t[i] === ')' && --depth === 0) return i === t.length - 1;
  }
  return false;
}

/** Splits at `sep` outside brackets, parentheses and angle brackets. */
function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if ('([{<'.includes(s[i])) depth++;
    else if (')]}>'.includes(s[i])) depth--;
    else if (s[i] === sep && depth === 0) { out.push(s.slice(start, i)); start = i + 1; }
  }
  out.push(s.slice(start));
  return out.map((x) => x.trim()).filter(Boolean);
}

const describeValue = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`);

/**
 * Assignments go in a block: a kernel echoes the value of a cell's last expression statement, and a
 * block is not one.
 */
export function renderParameters(params: Parameters, assignable: Set<string>): string {
  const entries = Object.entries(params);
  const assign = entries.filter(([k]) => assignable.has(k)).map(([k, v]) => `  ${k} = ${renderValue(v)};`);
  const declare = entries.filter(([k]) => !assignable.has(k)).map(([k, v]) => `let ${k} = ${renderValue(v)};`);
  return ['// Parameters (injected by noiselab run)', ...(assign.length ? ['{', ...assign, '}'] : []), ...declare].join('\n');
}

export interface Injection {
  notebook: Notebook;
  /** parameters the notebook's parameters cell does not declare (papermill warns about these too) */
  unknown: string[];
}

/**
 * Removes an earlier injected cell and, when there are parameters, inserts a new one after the cell tagged
 * `parameters` (or at the top when there is none, as papermill does).
 */
export function injectParameters(nb: Notebook, params: Parameters, language = 'typescript'): Injection {
  const cells = nb.cells.filter((c) => !hasTag(c, 'injected-parameters'));
  if (!Object.keys(params).length) return { notebook: { ...nb, cells }, unknown: [] };
  const python = language.toLowerCase() === 'python';
  if (!python && !['typescript', 'javascript'].includes(language.toLowerCase())) {
    throw new ParameterError(`parameters cannot be injected into a ${language} notebook (TypeScript, JavaScript and Python can)`);
  }
  const at = cells.findIndex((c) => hasTag(c, 'parameters'));
  const declared = at >= 0 ? text(cells[at].source) : '';
  const assignable = assignableNames(declared);
  const unknown = Object.keys(params).filter((k) => !new RegExp(`\\b${k.replace(/\$/g, '\\$')}\\b`).test(declared));
  if (!python) {
    // the kernel strips types without checking them: a value of the wrong type is refused here, before any cell runs
    const types = declaredTypes(declared);
    for (const [k, v] of Object.entries(params)) {
      const type = types.get(k);
      if (type !== undefined && !valueHasType(v, type)) {
        throw new ParameterError(`parameter ${k}: ${JSON.stringify(v)} is ${describeValue(v)}, but the parameters cell declares ${k}: ${type}`);
      }
    }
  }
  const cell: Cell = {
    id: 'injected-parameters', cell_type: 'code', metadata: { tags: ['injected-parameters'] },
    source: lines(python
      ? ['# Parameters (injected by noiselab run)', ...Object.entries(params).map(([k, v]) => `${k} = ${renderPythonValue(v)}`)].join('\n')
      : renderParameters(params, assignable)),
    outputs: [], execution_count: null,
  };
  cells.splice(at + 1, 0, cell);
  return { notebook: { ...nb, cells }, unknown };
}
