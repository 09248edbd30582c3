/**
 * The API reference builds from the TSDoc comments of src/ with no warning (typedoc.json treats them as
 * errors), and every export (function, class, variable, type, interface, enum) has a doc comment.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../src/util/paths.js';
import { tempDir } from './helpers.js';

describe('API reference (TypeDoc)', () => {
  it('builds, with pages for the public API and their doc comments', () => {
    const out = tempDir();
    const typedoc = join(projectRoot(), 'node_modules', 'typedoc', 'bin', 'typedoc');
    const r = spawnSync(process.execPath, [typedoc, '--out', out], { cwd: projectRoot(), encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    // the front page is the overview with examples of the main entry points
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('Start the engine');
    const page = readFileSync(join(out, 'functions', 'buildSite.html'), 'utf8');
    expect(page).toContain('SiteOptions');
    expect(readFileSync(join(out, 'classes', 'FigureRenderer.html'), 'utf8')).toMatch(/Calls are serialised/);
  }, 120_000);

  it('fails on an undocumented export, naming it', () => {
    const config = JSON.parse(readFileSync(join(projectRoot(), 'typedoc.json'), 'utf8')) as { validation?: { notDocumented?: boolean }; treatWarningsAsErrors?: boolean };
    expect(config.validation?.notDocumented).toBe(true);
    expect(config.treatWarningsAsErrors).toBe(true);
    // an entry point with one undocumented export, checked with the project's settings
    const dir = tempDir();
    writeFileSync(join(dir, 'entry.ts'), '/** documented */\nexport const a = 1;\nexport function undocumentedOne(): number { return 2; }\n');
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true }, files: ['entry.ts'] }));
    // the project's settings, on this entry point
    writeFileSync(join(dir, 'typedoc.json'), JSON.stringify({ extends: [join(projectRoot(), 'typedoc.json')], entryPoints: ['entry.ts'], tsconfig: 'tsconfig.json', readme: 'none', out: 'out' }));
    const typedoc = join(projectRoot(), 'node_modules', 'typedoc', 'bin', 'typedoc');
    const r = spawnSync(process.execPath, [typedoc, '--options', join(dir, 'typedoc.json')], { cwd: dir, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/undocumentedOne .*does not have any documentation/);
  }, 120_000);
});
