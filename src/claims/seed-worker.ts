/**
 * Child process of the seed-parallel runner: reads {id, params, seed} as JSON on stdin, runs that one
 * seed of the claim on the backend the parent chose (NOISELAB_BACKEND), and writes the seed's
 * measurements as JSON on stdout (non-finite numbers kept: util/json-exact).
 */
import { initEngine } from '../engine/backend.js';
import { parseExact, stringifyExact } from '../util/json-exact.js';
import { getClaim } from './registry.js';

const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const job = parseExact(Buffer.concat(chunks).toString('utf8')) as { id: string; params: never; seed: number };
await initEngine({ quiet: true });
const claim = await getClaim(job.id);
const result = await claim.seed(job.params, job.seed);
process.stdout.write(stringifyExact(result));
