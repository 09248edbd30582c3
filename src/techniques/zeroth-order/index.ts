export * from './spsa.js';
