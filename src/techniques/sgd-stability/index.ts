export * from './linalg.js';
export * from './second-moment.js';
export * from './sgd.js';
