export * from './lasso.js';
