export * from './linalg.js';
export * from './fits.js';
export * from './marchenko-pastur.js';
export * from './collapse.js';
export * from './more-is-better.js';
export * from './deterministic-equivalent.js';
export * from './deep-random-features.js';
