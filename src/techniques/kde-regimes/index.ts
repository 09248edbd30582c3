export * from './theory.js';
export * from './statistics.js';
