export * from './residual.js';
export * from './train.js';
