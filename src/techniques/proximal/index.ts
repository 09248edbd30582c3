export * from './lpn.js';
export * from './laplace.js';
