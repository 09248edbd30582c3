export * from './process.js';
export * from './gmm.js';
export * from './samplers.js';
export * from './likelihood.js';
export * from './guidance.js';
