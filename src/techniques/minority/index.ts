export * from './score.js';
export * from './grid.js';
export * from './guidance.js';
