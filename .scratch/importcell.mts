import { join } from 'node:path';
import { Kernel } from '../src/notebook/kernel.js';
import { findKernelSpec } from '../src/notebook/kernelspec.js';
import { projectRoot } from '../src/util/paths.js';
import { ownResident } from '../bench/resident.js';
const resident = ownResident();
const cell = 'import { initEngine, getClaim } from "noiselab";\nconst engine = await initEngine({ quiet: true });\nconst claim = await getClaim("B6");';
try {
  for (const [label, env, pause] of [['check, back to back', {}, 0], ['check, back to back', {}, 0], ['check, spare ready (3 s)', {}, 3000], ['check, spare ready (3 s)', {}, 3000], ['unchecked', { NOISELAB_KERNEL_TYPECHECK: '0' }, 0], ['unchecked', { NOISELAB_KERNEL_TYPECHECK: '0' }, 0]] as const) {
    await new Promise((r) => setTimeout(r, pause));
    const k = await Kernel.start(findKernelSpec('noiselab'), { cwd: join(projectRoot(), 'notebooks'), startTimeout: 60, env: { ...resident.env, ...env } });
    const t = performance.now();
    const r = await k.execute(cell, { timeout: 120 });
    const ms = performance.now() - t;
    const t2 = performance.now();
    await k.execute('1 + 1', { timeout: 60 });
    console.log(label, (ms / 1000).toFixed(2), 's', r.reply.status, 'then a trivial cell', (performance.now() - t2).toFixed(0), 'ms');
    await k.shutdown(2);
  }
} finally { resident.stop(); }
