export * from './linalg.js';
export * from './sensing.js';
export * from './factored-gd.js';
export * from './robust.js';
