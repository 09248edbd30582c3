export * from './streaming.js';
export * from './finite-sum.js';
