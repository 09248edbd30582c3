export * from './regularized.js';
