export * from './interpolant.js';
export * from './exact.js';
export * from './samplers.js';
export * from './learn.js';
