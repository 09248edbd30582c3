/**
 * A notebook cell, TypeScript, made runnable as one step of a session: types stripped by esbuild (no
 * type check here: that is what makes a cell cost milliseconds instead of the seconds a program over the
 * library's declarations takes to load; the kernel checks the cell meanwhile, on a thread of its own with
 * a program kept warm: ./typecheck.ts), then its top level rewritten so that what it declares outlives it.
 *
 * - `import { a, b as c } from "m"` becomes assignments from `await import("m")`;
 * - `const`/`let`/`var` declarations become assignments to globals, so a later cell (and shorthand
 *   properties such as `{ n }`) sees them; functions and classes likewise;
 * - the whole runs in an async function, so top-level `await` works, and a last bare expression is
 *   returned as the cell's result.
 * Every rewrite keeps the line structure, so a stack trace's line maps back through esbuild's source map.
 */
import { parse, type Node as AcornNode } from 'acorn';
import type { Message as EsbuildMessage, TransformOptions, TransformResult } from 'esbuild';
import { createRequire } from 'node:module';
import { CellSyntaxError, IMPORT_HOOK } from './cell.js';
import { lineMap, maxOriginalLine } from './sourcemap.js';

const require = createRequire(import.meta.url);
let esbuild = require('esbuild') as typeof import('esbuild');

/**
 * esbuild's transform, through its service process. A SIGINT to the kernel's process group (how Jupyter
 * and the runner interrupt by signal) kills that process too: then esbuild is loaded afresh, which
 * starts a new one.
 */
async function transform(source: string, opts: TransformOptions): Promise<TransformResult> {
  try {
    return await esbuild.transform(source, opts);
  } catch (e) {
    if (!/service (is no longer running|was stopped)/.test((e as Error).message)) throw e;
    for (const key of Object.keys(require.cache)) if (/[\\/]esbuild[\\/]/.test(key)) delete require.cache[key];
    esbuild = require('esbuild') as typeof import('esbuild');
    return esbuild.transform(source, opts);
  }
}

/** A cell's code that does not compile: the message names the cell's own line and column. */
export { CellSyntaxError, IMPORT_HOOK } from './cell.js';

export interface CompiledCell {
  /** an expression: evaluating it gives the promise of the cell's result */
  code: string;
  /** generated line (1-based) -> the cell's line (1-based) */
  originalLine(line: number): number;
}

/** The name under which compiled cells reach the kernel's module loader. */


type N = AcornNode & Record<string, any>;

export async function compileCell(source: string): Promise<CompiledCell> {
  let js: string;
  let map: string;
  try {
    // a leading `;` (on a line of its own) ends the directive prologue: a cell that is only a string
    // is a value, not a directive
    const out = await transform(`;\n${source}`, {
      ...TS_OPTIONS, sourcemap: 'external', sourcefile: 'cell.ts',
      // keep every import that is not marked `type`: a later cell may use what this one imports
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, experimentalDecorators: true } },
    });
    js = out.code;
    map = out.map;
  } catch (e) {
    throw syntaxError(e as { errors?: EsbuildMessage[] }, source);
  }
  const mapped = lineMap(map);
  const toCell = (line: number) => Math.max(1, mapped(line) - 1);
  js += await droppedTail(source, maxOriginalLine(map) - 1);
  const body = rewriteTopLevel(js);
  // one line of prefix text and no new lines: generated line n is esbuild's line n
  return { code: `(async () => { ${body.hoist}${body.code}\n})()`, originalLine: toCell };
}

const TS_OPTIONS = { loader: 'ts', format: 'esm', target: 'es2022' } as const;

/**
 * esbuild folds a constant string concatenation (`"a" + "b"`) and then drops it as an unused
 * expression; as a cell's last line it is the cell's value. Lines after the last one esbuild kept that
 * hold code are that dropped expression: it comes back as a statement of its (folded) value.
 */
async function droppedTail(source: string, lastKept: number): Promise<string> {
  const tail = source.split('\n').slice(lastKept).join('\n').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '').trim().replace(/;+$/, '');
  if (!tail) return '';
  try {
    const out = await transform(`const __tail = (${tail});`, TS_OPTIONS);
    const m = /^const __tail = ([\s\S]*);\s*$/.exec(out.code);
    return m ? `\n${m[1].replace(/\n/g, ' ')};` : '';
  } catch {
    return '';
  }
}

function syntaxError(e: { errors?: EsbuildMessage[]; message?: string }, source: string): Error {
  const first = e.errors?.[0];
  if (!first?.location) return e as Error;
  const line = first.location.line - 1; // the leading `;` line
  const { column } = first.location;
  const lines = source.split('\n');
  const atEnd = line > lines.length || (line === lines.length && column >= lines[line - 1].trimEnd().length) ||
    /Unexpected end of file|Expected ".*" but found end of file/.test(first.text);
  return new CellSyntaxError(`${first.text} (line ${line}, column ${column + 1})`, line, column + 1, atEnd);
}

interface Rewritten { code: string; hoist: string }

function rewriteTopLevel(js: string): Rewritten {
  let ast: N;
  try {
    ast = parse(js, { ecmaVersion: 'latest', sourceType: 'module', allowAwaitOutsideFunction: true, allowReturnOutsideFunction: true }) as N;
  } catch (e) {
    const err = e as SyntaxError & { loc?: { line: number; column: number } };
    throw new CellSyntaxError(err.message, err.loc?.line ?? 1, (err.loc?.column ?? 0) + 1, false);
  }
  const edits: { start: number; end: number; text: string }[] = [];
  const replace = (node: { start: number; end: number }, text: string) => {
    // keep the line count of what is replaced
    const newlines = (js.slice(node.start, node.end).match(/\n/g) ?? []).length - (text.match(/\n/g) ?? []).length;
    edits.push({ start: node.start, end: node.end, text: text + '\n'.repeat(Math.max(0, newlines)) });
  };
  const hoisted: string[] = [];
  let imports = 0;
  const statements = ast.body as N[];
  statements.forEach((stmt, i) => {
    const last = i === statements.length - 1;
    let node = stmt;
    if (node.type === 'ExportNamedDeclaration' && node.declaration) {
      edits.push({ start: node.start, end: node.declaration.start, text: '' });
      node = node.declaration;
    } else if (node.type === 'ExportNamedDeclaration' || node.type === 'ExportAllDeclaration') {
      replace(node, ';');
      return;
    } else if (node.type === 'ExportDefaultDeclaration') {
      edits.push({ start: node.start, end: node.declaration.start, text: node.declaration.type.endsWith('Declaration') && node.declaration.id ? '' : 'void ' });
      node = node.declaration;
    }
    switch (node.type) {
      case 'ImportDeclaration': {
        const ns = `__m${imports++}`;
        const from = JSON.stringify(node.source.value);
        const parts = [`const ${ns} = await ${IMPORT_HOOK}(${from});`];
        for (const s of node.specifiers as N[]) {
          const local = s.local.name;
          if (s.type === 'ImportNamespaceSpecifier') parts.push(`${local} = ${ns};`);
          else if (s.type === 'ImportDefaultSpecifier') parts.push(`${local} = ${ns}.default;`);
          else {
            const name = s.imported.type === 'Literal' ? JSON.stringify(s.imported.value) : JSON.stringify(s.imported.name);
            parts.push(`${local} = ${name} in ${ns} ? ${ns}[${name}] : ${ns}.default?.[${name}];`);
          }
        }
        replace(node, parts.join(' '));
        break;
      }
      case 'VariableDeclaration': {
        const decls = node.declarations as N[];
        const text = decls.map((d) => d.init ? `${js.slice(d.id.start, d.id.end)} = ${js.slice(d.init.start, d.init.end)}` : `${js.slice(d.id.start, d.id.end)} = undefined`);
        // an object pattern must not open a statement; `void (...)` also keeps the value from showing
        replace(node, `void (${text.join(', ')});`);
        break;
      }
      case 'FunctionDeclaration':
        // hoisted within the cell, as it would be; published to the session at the cell's start
        hoisted.push(`globalThis[${JSON.stringify(node.id.name)}] = ${node.id.name};`);
        break;
      case 'ClassDeclaration':
        edits.push({ start: node.start, end: node.start, text: `${node.id.name} = ` });
        edits.push({ start: node.end, end: node.end, text: ';' });
        break;
      case 'ExpressionStatement':
        if (last && node === stmt) {
          const e = node.expression as N;
          const quiet = e.type === 'AssignmentExpression' || (e.type === 'UnaryExpression' && e.operator === 'void');
          replace(node, `return ${quiet ? 'void ' : ''}(${js.slice(e.start, e.end)});`);
        }
        break;
    }
  });
  edits.sort((a, b) => b.start - a.start);
  let code = js;
  for (const e of edits) code = code.slice(0, e.start) + e.text + code.slice(e.end);
  return { code, hoist: hoisted.join(' ') };
}
