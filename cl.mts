import { moduleClosure } from './src/results/records.ts';
import { readdirSync } from 'node:fs';
const files = readdirSync('src/claims').filter(f=>/^[a-z]\d+-.*\.ts$/.test(f));
let n = 0; const c = new Map<string, number>();
for (const f of files) { n++; for (const m of moduleClosure('src/claims/'+f, undefined, { engine: 'native' })) c.set(m, (c.get(m) ?? 0) + 1); }
console.log(n, 'claims; records.ts in', c.get('src/results/records.ts') ?? 0, '; backend.ts in', c.get('src/engine/backend.ts'));
