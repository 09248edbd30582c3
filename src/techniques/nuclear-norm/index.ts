export * from './variational.js';
export * from './mlp64.js';
export * from './train.js';
