import { initEngine } from '../src/engine/backend.js';

// vitest runs two test files at once on this 2-core machine: one BLAS thread each, not two each
process.env.NOISELAB_THREADS ??= '1';
await initEngine({ quiet: true });
