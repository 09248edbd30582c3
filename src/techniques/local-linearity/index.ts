export * from './penalties.js';
export * from './training.js';
