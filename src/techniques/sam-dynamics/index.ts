export * from './quadratic.js';
export * from './usam.js';
export * from './moments.js';
