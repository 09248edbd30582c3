/** Every technique family is importable from the built package as a notebook imports it: a namespace of "noiselab" and a subpath. */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../src/util/paths.js';

const families = readdirSync(join(projectRoot(), 'src', 'techniques')).sort();
const camel = (f: string) => f.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

describe('package exports', () => {
  it('every folder of src/techniques is a namespace of "noiselab" and a subpath noiselab/techniques/<folder>, with the same exports', () => {
    const script = `
      import * as noiselab from 'noiselab';
      const out = {};
      for (const f of ${JSON.stringify(families)}) {
        const sub = await import('noiselab/techniques/' + f);
        const ns = noiselab[(${camel.toString()})(f)];
        out[f] = { namespace: ns ? Object.keys(ns).sort() : null, subpath: Object.keys(sub).sort() };
      }
      console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: projectRoot(), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as Record<string, { namespace: string[] | null; subpath: string[] }>;
    expect(Object.keys(got)).toEqual(families);
    for (const f of families) {
      expect(got[f].namespace, `noiselab.${camel(f)}`).not.toBeNull();
      expect(got[f].subpath.length, `noiselab/techniques/${f}`).toBeGreaterThan(0);
      expect(got[f].namespace, f).toEqual(got[f].subpath);
    }
    expect(got.adversarial.namespace).toContain('pgd');
    expect(got.certification.namespace).toContain('certify');
  });
});
