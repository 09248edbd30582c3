/** The runner's parts that need no kernel: wire format, kernelspec search, notebook checks, parameters, outputs. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findKernelSpec, jupyterDataPaths, listKernelSpecs } from '../../src/notebook/kernelspec.js';
import { parseNotebook, upgradeTo45, lines, text, type Output } from '../../src/notebook/nbformat.js';
import { OutputCollector } from '../../src/notebook/outputs.js';
import { assignableNames, declaredTypes, flowDepthExceeds, injectParameters, parseValue, readParameterFile, renderParameters, valueHasType } from '../../src/notebook/parameters.js';
import { Session, type Message } from '../../src/notebook/protocol.cjs';
import { takeParameters } from '../../src/cli/run.js';
import { tempDir } from '../helpers.js';
import { notebookJson } from './fixtures.js';

describe('wire protocol', () => {
  it('signs with HMAC-SHA256 over the four JSON frames and round-trips', () => {
    const s = new Session('secret');
    const msg = s.message('execute_request', { code: '1+1' });
    const frames = s.serialize(msg).map((f) => Buffer.from(f));
    expect(frames[0].toString()).toBe('<IDS|MSG>');
    const back = s.deserialize([Buffer.from('routing-id'), ...frames]);
    expect(back.header).toEqual(msg.header);
    expect(back.content).toEqual({ code: '1+1' });
    expect(back.header.version).toBe('5.3');
  });

  it('rejects a message signed with another key, or without a delimiter', () => {
    const frames = new Session('other').serialize(new Session('other').message('status', {})).map((f) => Buffer.from(f));
    expect(() => new Session('secret').deserialize(frames)).toThrow(/invalid signature/);
    expect(() => new Session('secret').deserialize(frames.slice(1))).toThrow(/delimiter/);
  });
});

describe('parameter types', () => {
  it('reads the declared types of the parameters cell', () => {
    expect([...declaredTypes('let scale: string = "full";\nlet seeds: number[] | null = null;\nlet n = 3;')]).toEqual([['scale', 'string'], ['seeds', 'number[] | null']]);
  });

  it('judges values against primitives, literals, arrays, unions and parentheses; other types are not judged', () => {
    const cases: [unknown, string, boolean][] = [
      [1, 'number', true], ['1', 'number', false], [true, 'boolean', true], [null, 'string | null', true], [3, 'string | null', false],
      [[1, 2], 'number[]', true], [[1, 'a'], 'number[]', false], [[1, null], '(number | null)[]', true], [['a'], '(number | null)[]', false],
      [[1], 'Array<number>', true], [2, '(number)', true], ['x', '"x" | "y"', true], ['z', '"x" | "y"', false], [{ a: 1 }, 'Options', true],
    ];
    for (const [v, t, ok] of cases) expect(valueHasType(v, t), `${JSON.stringify(v)} : ${t}`).toBe(ok);
  });
});

describe('kernelspecs', () => {
  it('are searched in JUPYTER_PATH, then the user data dir, then the system dirs, first match winning', () => {
    const [a, b, user] = [tempDir(), tempDir(), tempDir()];
    const env = { JUPYTER_PATH: `${a}:${b}`, JUPYTER_DATA_DIR: user };
    expect(jupyterDataPaths(env).slice(0, 3)).toEqual([a, b, user]);
    const spec = (dir: string, name: string, display: string) => {
      mkdirSync(join(dir, 'kernels', name), { recursive: true });
      writeFileSync(join(dir, 'kernels', name, 'kernel.json'), JSON.stringify({ argv: ['k', '{connection_file}'], display_name: display, language: 'x' }));
    };
    spec(b, 'Demo', 'from b');
    spec(user, 'demo', 'from user');
    spec(user, 'other', 'other');
    expect(findKernelSpec('demo', env).display_name).toBe('from b');
    expect(findKernelSpec('DEMO', env).dir).toBe(join(b, 'kernels', 'Demo'));
    expect([...listKernelSpecs(env).keys()]).toEqual(expect.arrayContaining(['demo', 'other']));
  });

  it('a missing kernel is a clear error listing the installed ones', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'kernels', 'only-one'), { recursive: true });
    writeFileSync(join(dir, 'kernels', 'only-one', 'kernel.json'), JSON.stringify({ argv: ['k', '{connection_file}'] }));
    expect(() => findKernelSpec('nope', { JUPYTER_PATH: dir, JUPYTER_DATA_DIR: tempDir() })).toThrow(/no kernel named 'nope'; installed: .*only-one/);
  });

  it('a kernelspec without {connection_file} is rejected naming its file', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'kernels', 'bad'), { recursive: true });
    writeFileSync(join(dir, 'kernels', 'bad', 'kernel.json'), JSON.stringify({ argv: ['k'] }));
    expect(() => findKernelSpec('bad', { JUPYTER_PATH: dir, JUPYTER_DATA_DIR: tempDir() })).toThrow(/bad.kernel\.json: "argv" does not pass/);
  });
});

describe('notebook files', () => {
  it('malformed JSON names the file, line and column', () => {
    expect(() => parseNotebook('{\n "cells": [\n  }', 'x.ipynb')).toThrow('x.ipynb: not a notebook, invalid JSON at line 3, column 3 (unexpected "}")');
    expect(() => parseNotebook('{"a": [1, 2', 'y.ipynb')).toThrow('line 1, column 12 (unexpected end of file)');
    expect(() => parseNotebook('{"a": tru}', 'z.ipynb')).toThrow('line 1, column 7');
    expect(() => parseNotebook('{"a": "x\\u00e9", "b": -1.5e3, "c": [true, null, {}]} x', 'w.ipynb')).toThrow('line 1, column 54 (unexpected "x")');
  });

  it('shape errors name the cell', () => {
    expect(() => parseNotebook(JSON.stringify({ nbformat: 3, cells: [] }), 'old.ipynb')).toThrow(/old\.ipynb: nbformat 3 is not supported/);
    const nb = notebookJson(['1']) as { cells: { source: unknown }[] };
    nb.cells[0].source = 5;
    expect(() => parseNotebook(JSON.stringify(nb), 'n.ipynb')).toThrow(/n\.ipynb: cell 1: source must be/);
  });

  it('4.5 upgrade gives every cell a unique, stable id and keeps valid ones', () => {
    const nb = parseNotebook(JSON.stringify(notebookJson(['a', 'a', 'b'])), 'n.ipynb');
    nb.cells[2].id = 'keep-me';
    const up = upgradeTo45(nb);
    const ids = up.cells.map((c) => c.id);
    expect(new Set(ids).size).toBe(3);
    expect(ids[2]).toBe('keep-me');
    expect(upgradeTo45(nb).cells.map((c) => c.id)).toEqual(ids);
    expect(up.nbformat_minor).toBe(5);
  });

  it('multiline strings split like Jupyter stores them', () => {
    expect(lines('a\nb\n')).toEqual(['a\n', 'b\n']);
    expect(lines('a\n\nb')).toEqual(['a\n', '\n', 'b']);
    expect(lines('')).toEqual([]);
  });
});

describe('parameters', () => {
  it('-p values are typed as JSON when they parse, else strings', () => {
    expect(parseValue('3')).toBe(3);
    expect(parseValue('1e-3')).toBe(0.001);
    expect(parseValue('true')).toBe(true);
    expect(parseValue('null')).toBe(null);
    expect(parseValue('[1,2]')).toEqual([1, 2]);
    expect(parseValue('{"a":1}')).toEqual({ a: 1 });
    expect(parseValue('ci')).toBe('ci');
    expect(parseValue('"3"')).toBe('3');
  });

  it('-p and -r take a name and a value; bad names are usage errors naming the flag', () => {
    const { rest, params } = takeParameters(['a.ipynb', '-p', 'n', '3', '--all', '-r', 's', '3', '--parameter', 'x', '[1]']);
    expect(rest).toEqual(['a.ipynb', '--all']);
    expect(params).toEqual({ n: 3, s: '3', x: [1] });
    expect(() => takeParameters(['-p', 'n'])).toThrow(/-p: expected a NAME and a VALUE/);
    expect(() => takeParameters(['-p', '2x', '1'])).toThrow(/-p: '2x' is not a valid TypeScript variable name/);
    expect(() => takeParameters(['-p', 'class', '1'])).toThrow(/not a valid/);
  });

  it('are read from YAML or JSON files, with errors naming the file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'p.yaml'), 'scale: ci\nseeds: [1, 2]\nrate: 0.5\nflag: false\n');
    expect(readParameterFile(join(dir, 'p.yaml'))).toEqual({ scale: 'ci', seeds: [1, 2], rate: 0.5, flag: false });
    writeFileSync(join(dir, 'p.json'), '{"scale": "smoke"}');
    expect(readParameterFile(join(dir, 'p.json'))).toEqual({ scale: 'smoke' });
    writeFileSync(join(dir, 'list.yaml'), '- 1\n- 2\n');
    expect(() => readParameterFile(join(dir, 'list.yaml'))).toThrow(/list\.yaml: expected a mapping/);
    writeFileSync(join(dir, 'bad.yaml'), 'a: [1, 2\n');
    expect(() => readParameterFile(join(dir, 'bad.yaml'))).toThrow(/bad\.yaml: not valid YAML/);
    expect(() => readParameterFile(join(dir, 'none.yaml'))).toThrow(/none\.yaml: no such file/);
  });

  it('render as TypeScript: declared lets are assigned (keeping their type), others declared', () => {
    const declared = assignableNames('// x\nlet scale: string = "full";\nlet seeds: number[] | null = null; const k = 1;');
    expect([...declared].sort()).toEqual(['scale', 'seeds']);
    const src = renderParameters({ scale: 'ci', seeds: [1, 2], k: { a: 1, 'b-c': 'x' }, nan: NaN }, declared);
    expect(src).toBe([
      '// Parameters (injected by noiselab run)', '{', '  scale = "ci";', '  seeds = [1, 2];', '}',
      'let k = { a: 1, "b-c": "x" };', 'let nan = NaN;',
    ].join('\n'));
  });

  it('inject after the parameters cell, replacing an earlier injection, and report unknown names', () => {
    const nb = parseNotebook(JSON.stringify(notebookJson(['0', { source: 'let n = 1;', tags: ['parameters'] }, '2'])), 'n.ipynb');
    const once = injectParameters(nb, { n: 5, extra: 1 });
    expect(once.unknown).toEqual(['extra']);
    expect(once.notebook.cells.map((c) => c.metadata.tags?.[0] ?? '')).toEqual(['', 'parameters', 'injected-parameters', '']);
    const twice = injectParameters(once.notebook, { n: 7 }).notebook;
    const injected = twice.cells.filter((c) => c.metadata.tags?.includes('injected-parameters'));
    expect(injected).toHaveLength(1);
    expect([injected[0].source].flat().join('')).toMatch(/n = 7;/);
    expect(injectParameters(once.notebook, {}).notebook.cells).toHaveLength(3);
  });
});

describe('outputs from iopub messages', () => {
  const msg = (msg_type: string, content: object): Message =>
    ({ header: { msg_type } as Message['header'], parent_header: {}, metadata: {}, content: content as Record<string, unknown>, buffers: [] });

  it('merge consecutive streams of one name, honour clear_output(wait) and update displays in earlier cells', () => {
    const c = new OutputCollector();
    const first: Output[] = [];
    c.cell(first);
    c.add(msg('stream', { name: 'stdout', text: 'a' }));
    c.add(msg('stream', { name: 'stdout', text: 'b\n' }));
    c.add(msg('stream', { name: 'stderr', text: 'e' }));
    c.add(msg('display_data', { data: { 'text/plain': 'v1' }, metadata: {}, transient: { display_id: 'd' } }));
    expect(first.map((o) => o.text ?? o.data)).toEqual(['ab\n', 'e', { 'text/plain': 'v1' }]);
    const second: Output[] = [];
    c.cell(second);
    c.add(msg('update_display_data', { data: { 'text/plain': 'v2' }, metadata: {}, transient: { display_id: 'd' } }));
    expect(first[2].data).toEqual({ 'text/plain': 'v2' });
    c.add(msg('stream', { name: 'stdout', text: 'old' }));
    c.add(msg('clear_output', { wait: true }));
    expect(second).toHaveLength(1);
    c.add(msg('stream', { name: 'stdout', text: 'new' }));
    expect(second.map((o) => o.text)).toEqual(['new']);
    c.add(msg('clear_output', { wait: false }));
    expect(second).toHaveLength(0);
    c.add(msg('error', { ename: 'E', evalue: 'v', traceback: ['t'] }));
    expect(second[0]).toEqual({ output_type: 'error', ename: 'E', evalue: 'v', traceback: ['t'] });
  });
});

describe('parameters in other languages', () => {
  it('are written as Python literals for Python notebooks, and refused with a clear error where noiselab cannot write them', () => {
    const nb = { nbformat: 4 as const, nbformat_minor: 5, metadata: {}, cells: [{ id: 'p', cell_type: 'code' as const, metadata: { tags: ['parameters'] }, source: 'x = 1', outputs: [], execution_count: null }] };
    const py = injectParameters(nb, { x: 2, b: false, s: 'it\'s', f: NaN, d: { k: [null, Infinity] } }, 'python');
    expect(text(py.notebook.cells[1].source)).toBe('# Parameters (injected by noiselab run)\nx = 2\nb = False\ns = "it\'s"\nf = float(\'nan\')\nd = {"k": [None, float(\'inf\')]}');
    expect(() => injectParameters(nb, { x: 2 }, 'R')).toThrow(/parameters cannot be injected into a R notebook \(TypeScript, JavaScript and Python can\)/);
    expect(injectParameters(nb, {}, 'R').notebook.cells).toHaveLength(1);
  });
});

describe('parameter files nested too deep', () => {
  it('are refused before the YAML parser recurses into them; brackets inside quotes do not count', () => {
    expect(flowDepthExceeds('a: [[[1]]]', 3)).toBe(false);
    expect(flowDepthExceeds('a: [[[[1]]]]', 3)).toBe(true);
    expect(flowDepthExceeds('a: "[[[[[[" \nb: \'{{{{{\'\nc: "\\"[[[[["', 3)).toBe(false);
    const dir = tempDir();
    const file = join(dir, 'deep.yaml');
    writeFileSync(file, `x: ${'['.repeat(5000)}${']'.repeat(5000)}`);
    expect(() => readParameterFile(file)).toThrow(`parameters file ${file}: values nested more than 100 levels deep`);
  });
});
