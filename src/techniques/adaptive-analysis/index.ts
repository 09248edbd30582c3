export * from './mechanisms.js';
export * from './query-stream.js';
export * from './holdout-reuse.js';
