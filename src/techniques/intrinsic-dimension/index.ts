export * from './projection.js';
export * from './subspace.js';
