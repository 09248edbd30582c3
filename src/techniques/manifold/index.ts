export * from './bessel.js';
export * from './sphere.js';
export * from './sampler.js';
