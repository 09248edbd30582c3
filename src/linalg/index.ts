export * from './vectors.js';
export * from './eigen.js';
export * from './dense.js';
export * from './symmetric-ql.js';
