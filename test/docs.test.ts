/** The API reference builds from the TSDoc comments of src/ with no warning (typedoc.json treats them as errors). */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
});
