export * from './gaussian.js';
export * from './empirical.js';
export * from './edm.js';
export * from './frechet.js';
