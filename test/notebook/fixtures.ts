/** Small notebooks written to a temp folder for the runner tests. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';

export type CellSpec = string | { source: string; tags?: string[]; type?: 'code' | 'markdown' };

export function notebookJson(cells: CellSpec[], kernel = 'noiselab'): object {
  return {
    nbformat: 4, nbformat_minor: 4,
    metadata: { kernelspec: { name: kernel, display_name: kernel, language: 'typescript' } },
    cells: cells.map((c) => {
      const { source, tags, type } = typeof c === 'string' ? { source: c, tags: undefined, type: 'code' } : c;
      const cell_type = type ?? 'code';
      return cell_type === 'code'
        ? { cell_type, metadata: tags ? { tags } : {}, source, outputs: [], execution_count: null }
        : { cell_type, metadata: {}, source };
    }),
  };
}

/** Writes a notebook to a fresh temp folder; returns its path. */
export function writeNotebookFixture(cells: CellSpec[], name = 'fixture.ipynb', kernel = 'noiselab'): string {
  const file = join(tempDir('noiselab-nb-'), name);
  writeFileSync(file, JSON.stringify(notebookJson(cells, kernel), null, 1));
  return file;
}

/** Debian's Python, which has Jupyter (a pyenv python3 on PATH may not). */
export const PY = '/usr/bin/python3';

/** Validates notebooks against the nbformat schema of their own version (no conversion); returns the errors. */
export function nbformatErrors(files: string[]): string {
  const r = spawnSync(PY, ['-c', `
import sys, warnings, nbformat
warnings.simplefilter('error')  # nbformat's warnings (a missing cell id) are errors here
for f in sys.argv[1:]:
    try:
        nbformat.validate(nbformat.read(f, as_version=nbformat.NO_CONVERT))
    except Exception as e:
        print(f, type(e).__name__, str(e)[:500])
`, ...files], { encoding: 'utf8' });
  return (r.stdout + r.stderr).trim();
}

