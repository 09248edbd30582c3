export * from './one-cycle.js';
export * from './range-test.js';
