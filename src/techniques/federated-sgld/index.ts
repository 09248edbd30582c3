export * from './gaussian.js';
export * from './blr.js';
export * from './sampler.js';
