export * from './vectors.js';
export * from './eigen.js';
