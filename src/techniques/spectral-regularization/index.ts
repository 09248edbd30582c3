export * from './penalties.js';
export * from './continual.js';
