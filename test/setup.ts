import { initEngine } from '../src/engine/backend.js';

// vitest runs two test files at once on this 2-core machine: one BLAS thread each, not two each
process.env.NOISELAB_THREADS ??= '1';
// the committed records are CPU runs, compared digit for digit: on a GPU machine the tests (and the kernels
// and commands they start) stay on the CPU backends; the webgpu tests ask for webgpu by name
process.env.NOISELAB_GPU ??= '0';
await initEngine({ quiet: true });
